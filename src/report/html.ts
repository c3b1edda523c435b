// The full, untruncated preview as one self-contained HTML page for GET /previews/<id>:
// inline CSS, no scripts, no external assets, every piece of content escaped.
import { DEFAULT_SENSITIVE_KEY_PATTERN } from "../diff/mask.ts";
import { noiseFilterDescription } from "../diff/normalize.ts";
import type { AppDiff, ResourceChange } from "../diff/types.ts";
import { escapeHtml } from "./markdown.ts";
import type { PreviewReportInput } from "./preview.ts";
import {
  actionSymbols,
  actionWords,
  checksText,
  commitUrl,
  countsText,
  ignoreDifferencesText,
  plural,
  resourceName,
  shortSha,
  totalsOf,
  verdictIcon,
  verdictText,
} from "./summary.ts";

export type PreviewPageInput = Omit<PreviewReportInput, "budget" | "forgeType" | "previewUrl">;

/** Served with this header too; the meta tag keeps the page safe when saved and reopened. */
export const PREVIEW_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left}
details{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}summary{cursor:pointer;font-weight:600}
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;font:12px/1.4 ui-monospace,monospace}
.add{background:#dafbe1;display:block}.del{background:#ffebe9;display:block}.hunk{color:#6e7781;display:block}
.error{color:#cf222e}.note,footer{color:#57606a}`;

/** Without a cap the page holds every changed resource. */
export const DEFAULT_PREVIEW_PAGE_MAX_BYTES = 8 * 1024 * 1024;

/**
 * The page, at most `maxBytes` of UTF-8 when the fixed parts (summary, table, notes, footer)
 * fit. Past the cap, whole resource sections are left out from the first that does not fit
 * onwards, each app saying how many it lost: the page stays a complete HTML document and never
 * ends mid-diff.
 */
export function previewHtml(input: PreviewPageInput, maxBytes = Number.POSITIVE_INFINITY): string {
  const apps = [...input.apps].sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0));
  const sections = apps.map((app) => ({ app, resources: changedResources(app).map(resourceHtml) }));
  const full = pageHtml(
    input,
    apps,
    sections.map((section) => ({ ...section, omitted: 0 })),
    false,
  );
  if (Buffer.byteLength(full) <= maxBytes) return full;
  const skeleton = pageHtml(
    input,
    apps,
    sections.map((section) => ({ app: section.app, resources: [], omitted: section.resources.length })),
    true,
  );
  let budget = maxBytes - Buffer.byteLength(skeleton);
  let fits = true;
  const kept = sections.map((section) => {
    const resources: string[] = [];
    for (const html of section.resources) {
      const size = Buffer.byteLength(html) + 1;
      if (!fits || size > budget) {
        fits = false;
        break;
      }
      budget -= size;
      resources.push(html);
    }
    return { app: section.app, resources, omitted: section.resources.length - resources.length };
  });
  return pageHtml(input, apps, kept, true);
}

interface AppSection {
  app: AppDiff;
  resources: string[];
  omitted: number;
}

function pageHtml(
  input: PreviewPageInput,
  apps: readonly AppDiff[],
  sections: readonly AppSection[],
  capped: boolean,
): string {
  const totals = totalsOf(apps);
  const title = `Ferry preview: ${input.repo} #${input.number}`;
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(PREVIEW_PAGE_CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${escapeHtml(`${verdictIcon(totals)} ${title}: ${verdictText(totals)}`)}</h1>`,
    `<p><strong>${escapeHtml(countsText(totals))}</strong> · ${escapeHtml(`${totals.appsChanged} of ${plural(totals.appsTotal, "app")} changed · ${plural(totals.errors, "blocking error")}`)}</p>`,
    `<p>Base ${shaHtml(input, input.baseSha)} → head ${shaHtml(input, input.headSha)}</p>`,
    ...(capped ? [`<p class="error">${escapeHtml(PAGE_CAPPED_NOTE)}</p>`] : []),
    tableHtml(apps),
    ...sections.map(appHtml),
    footerHtml(input, apps),
    "</body></html>",
    "",
  ].join("\n");
}

export const PAGE_CAPPED_NOTE =
  "This page is over the size cap for preview pages (server.previewPageMaxBytes): some changed resources are not shown (each app says how many). The summary and table above are complete.";

function shaHtml(input: PreviewPageInput, sha: string): string {
  const code = `<code>${escapeHtml(shortSha(sha))}</code>`;
  const url = commitUrl(input.commitUrlTemplate, sha);
  return url !== undefined && /^https?:\/\//.test(url) ? `<a href="${escapeHtml(url)}">${code}</a>` : code;
}

function tableHtml(apps: readonly AppDiff[]): string {
  const rows = apps.map((app) =>
    [app.app, `${app.cluster} / ${app.namespace}`, app.sourceType, countsText(app.counts), checksText(app)]
      .map((cell) => `<td>${escapeHtml(cell)}</td>`)
      .join(""),
  );
  return `<table><thead><tr><th>App</th><th>Cluster / namespace</th><th>Source</th><th>Changes</th><th>Checks</th></tr></thead><tbody>${rows.map((row) => `<tr>${row}</tr>`).join("")}</tbody></table>`;
}

function changedResources(app: AppDiff): ResourceChange[] {
  return app.changes.filter((change) => change.action !== "unchanged");
}

function appHtml({ app, resources, omitted }: AppSection): string {
  const parts = [
    `<details open><summary>${escapeHtml(`${app.app} · ${app.cluster}/${app.namespace} · ${countsText(app.counts)}`)}</summary>`,
    ...app.notes.map((note) => `<p class="note">${escapeHtml(note)}</p>`),
  ];
  if (app.error !== undefined) {
    parts.push(`<h3 class="error">❌ Rendering failed</h3><pre>${escapeHtml(app.error.message)}</pre>`);
  }
  parts.push(...resources);
  if (omitted > 0) {
    parts.push(
      `<p class="error">${escapeHtml(`${plural(omitted, "changed resource")} not shown: the page is over its size cap.`)}</p>`,
    );
  }
  if (app.counts.unchanged > 0) {
    parts.push(
      `<p class="note">${escapeHtml(`${plural(app.counts.unchanged, "unchanged resource")} not shown.`)}</p>`,
    );
  }
  parts.push("</details>");
  return parts.join("\n");
}

function resourceHtml(change: ResourceChange): string {
  const heading = `${actionSymbols[change.action]} ${change.kind} ${resourceName(change)} — ${actionWords[change.action]}`;
  const drift = change.drift === true ? " (drift: the cluster differs from Git)" : "";
  if (change.error !== undefined) {
    const detail = [change.error.reason, change.error.code?.toString()]
      .filter((part) => part !== undefined)
      .join(", ");
    return `<h3 class="error">${escapeHtml(`${heading}${detail === "" ? "" : ` (${detail})`}`)}</h3><pre>${escapeHtml(change.error.message)}</pre>`;
  }
  if (change.tooLarge !== undefined)
    return `<h3>${escapeHtml(heading + drift)}</h3><p>${escapeHtml(change.tooLarge)}</p>`;
  const lines = change.diff === "" ? [] : change.diff.split("\n");
  return `<h3>${escapeHtml(heading + drift)}</h3><pre>${lines.map(lineHtml).join("")}</pre>`;
}

function lineHtml(line: string): string {
  const kind = line.startsWith("@@")
    ? "hunk"
    : line.startsWith("+")
      ? "add"
      : line.startsWith("-")
        ? "del"
        : "";
  const text = escapeHtml(line);
  return kind === "" ? `${text}\n` : `<span class="${kind}">${text}\n</span>`;
}

function footerHtml(input: PreviewPageInput, apps: readonly AppDiff[]): string {
  const pattern = input.sensitiveKeyPattern ?? DEFAULT_SENSITIVE_KEY_PATTERN;
  const ignored = ignoreDifferencesText(apps);
  const items = [
    `Not compared (set by the server or by Ferry): ${noiseFilterDescription().join(", ")}.`,
    ignored.length === 0 ? "" : `ignoreDifferences in effect: ${ignored.join("; ")}.`,
    `Secret values are masked (key names and byte lengths only), as are ConfigMap values under keys matching /${pattern.source}/${pattern.flags}.`,
  ];
  return `<footer>${items
    .filter((item) => item !== "")
    .map((item) => `<p>${escapeHtml(item)}</p>`)
    .join("")}</footer>`;
}
