// The per-app <details> sections of the preview comment, and fitting them into a character
// budget. A section is kept as parts (not text) until the end so that cutting it can only
// happen at line boundaries, with every fence and <details> closed.
import type { AppDiff, ResourceChange } from "../diff/types.ts";
import { escapeHtml, escapeMarkdown, fenceFor } from "./markdown.ts";
import { actionSymbols, actionWords, countsText, plural, resourceName } from "./summary.ts";

export interface ResourceBlock {
  heading: string;
  language: string;
  lines: string[];
}

export interface AppSection {
  open: string;
  blocks: ResourceBlock[];
  /** Said after the blocks, e.g. how many unchanged resources are not shown. */
  trailer: string;
  close: string;
}

const DRIFT_NOTE = "drift: the cluster differs from Git here, deploying restores Git's version";

export function appSection(app: AppDiff): AppSection {
  const summary = `<summary><b>${escapeHtml(app.app)}</b> · ${escapeHtml(`${app.cluster}/${app.namespace}`)} · ${escapeHtml(countsText(app.counts))}${app.counts.errors > 0 ? ` · ❌ ${plural(app.counts.errors, "error")}` : ""}</summary>`;
  const notes = app.notes.map((note) => `_${escapeMarkdown(note)}_\n\n`).join("");
  const blocks: ResourceBlock[] = [];
  if (app.error !== undefined) {
    blocks.push({
      heading: `**❌ Rendering failed**${codeSuffix(app.error)}`,
      language: "text",
      lines: app.error.message.split(/\r?\n/),
    });
  }
  for (const change of app.changes) {
    if (change.action !== "unchanged") blocks.push(resourceBlock(change));
  }
  const trailer =
    app.counts.unchanged > 0 ? `_${plural(app.counts.unchanged, "unchanged resource")} not shown._\n\n` : "";
  return { open: `<details>\n${summary}\n\n${notes}`, blocks, trailer, close: "</details>\n" };
}

function codeSuffix(error: { reason?: string; code?: number }): string {
  const parts = [error.reason, error.code?.toString()].filter((part) => part !== undefined && part !== "");
  return parts.length === 0 ? "" : ` (${escapeMarkdown(parts.join(", "))})`;
}

function resourceBlock(change: ResourceChange): ResourceBlock {
  const title = `**${actionSymbols[change.action]} ${escapeMarkdown(change.kind)} ${escapeMarkdown(resourceName(change))}**`;
  if (change.error !== undefined) {
    return {
      heading: `${title} — ${actionWords.error}${codeSuffix(change.error)}`,
      language: "text",
      lines: change.error.message.split(/\r?\n/),
    };
  }
  const drift = change.drift === true ? ` — ${DRIFT_NOTE}` : "";
  const heading = `${title} — ${actionWords[change.action]}${drift}`;
  // Over the diff budget: the count instead of the hunks (the footer links the full page).
  if (change.tooLarge !== undefined) return { heading, language: "text", lines: [change.tooLarge] };
  return { heading, language: "diff", lines: change.diff === "" ? [] : change.diff.split("\n") };
}

/** A block as text; with `maxLines`, only that many lines followed by an "omitted" line. */
export function blockText(block: ResourceBlock, maxLines = block.lines.length): string {
  if (block.lines.length === 0) return `${block.heading}\n\n`;
  const shown = block.lines.slice(0, maxLines);
  const omitted = block.lines.length - shown.length;
  if (omitted > 0) shown.push(`… ${plural(omitted, "more line")} in the full preview`);
  // The fence is sized on the full content, so it stays longer than any run in a cut.
  const fence = fenceFor(block.lines.join("\n"));
  return `${block.heading}\n\n${fence}${block.language}\n${shown.join("\n")}\n${fence}\n\n`;
}

export function sectionText(section: AppSection): string {
  return `${section.open}${section.blocks.map((block) => blockText(block)).join("")}${section.trailer}${section.close}`;
}

// Room kept for the closing parts and the "N more" line, so a cut never leaves them out.
const NOTE_RESERVE = 120;
// Below this, a partial diff would be a heading with a line or two: not worth showing.
const MIN_PARTIAL = 400;

/** As much of the sections as fits into `budget` characters; all parts opened are closed. */
export function fitSections(
  sections: readonly AppSection[],
  budget: number,
): { text: string; truncated: boolean } {
  // The closing "N more apps" line needs room too.
  let remaining = budget - NOTE_RESERVE;
  let truncated = false;
  const out: string[] = [];
  let appsLeftOut = 0;
  for (const section of sections) {
    const full = sectionText(section);
    if (!truncated && full.length + 1 <= remaining) {
      out.push(full, "\n");
      remaining -= full.length + 1;
      continue;
    }
    truncated = true;
    const fixed = section.open.length + section.close.length + NOTE_RESERVE + 1;
    if (fixed + MIN_PARTIAL > remaining) {
      appsLeftOut++;
      continue;
    }
    const partial = fitBlocks(section, remaining - fixed);
    out.push(section.open, partial, section.close, "\n");
    remaining -= section.open.length + partial.length + section.close.length + 1;
  }
  if (appsLeftOut > 0) out.push(`_${plural(appsLeftOut, "more app")} in the full preview._\n\n`);
  return { text: out.join(""), truncated };
}

function fitBlocks(section: AppSection, room: number): string {
  const parts: string[] = [];
  let left = room;
  let shown = 0;
  for (const block of section.blocks) {
    const text = blockText(block);
    if (text.length <= left) {
      parts.push(text);
      left -= text.length;
      shown++;
      continue;
    }
    if (left >= MIN_PARTIAL) {
      const cut = cutBlock(block, left);
      if (cut !== undefined) {
        parts.push(cut);
        shown++;
      }
    }
    break;
  }
  const hidden = section.blocks.length - shown;
  if (hidden > 0) parts.push(`_${plural(hidden, "more resource")} in the full preview._\n\n`);
  return parts.join("");
}

/** The longest line-boundary prefix of the block that fits in `room`, if any line fits. */
function cutBlock(block: ResourceBlock, room: number): string | undefined {
  let low = 0;
  let high = block.lines.length - 1;
  let best: string | undefined;
  // Text length grows with the number of lines shown: binary search the largest that fits.
  while (low <= high) {
    const middle = Math.floor((low + high) / 2);
    const text = blockText(block, middle);
    if (text.length <= room) {
      best = text;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return best;
}
