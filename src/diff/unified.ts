// YAML text and unified diffs of masked objects. Taking MaskedObject (not KubeObject) is the
// point: an unmasked Secret cannot reach a diff without a type error.
//
// A line diff costs O((N+M)·D) (Myers): 10,000 changed lines per side took ~17 s on the event
// loop. So every diff has a budget (DIFF_BUDGET): beyond it the object gets a count of its
// changed lines instead of its hunks, and diffs too big to be trivial run on a worker thread
// (diff-pool.ts), never on the event loop.
import { structuredPatch } from "diff";
import * as yaml from "js-yaml";
import type { MaskedObject } from "./mask.ts";

export const DIFF_CONTEXT = 3;

export interface DiffBudget {
  /** More lines than this (both sides together) are not diffed at all. */
  maxLines: number;
  /** More changed lines than this are not shown: nobody reads them in a review. */
  maxChangedLines: number;
  /** The diff itself gives up after this long (jsdiff's timeout). */
  timeoutMs: number;
}

export const DIFF_BUDGET: DiffBudget = { maxLines: 200_000, maxChangedLines: 5_000, timeoutMs: 5_000 };

export function toYaml(object: MaskedObject | undefined): string {
  if (object === undefined) return "";
  // lineWidth -1: a folded long line would show as a multi-line change when one word changes.
  return yaml.dump(object, { lineWidth: -1, noRefs: true });
}

export interface UnifiedDiff {
  text: string;
  added: number;
  removed: number;
  /** Over the budget: `text` is empty and the counts are the lines each side does not share. */
  tooLarge?: true;
}

export function lineCount(text: string): number {
  let count = 0;
  for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) count++;
  return count;
}

/**
 * Lines only one side has, counted as multisets: O(N+M), and a lower bound of the edit
 * script's length, exact when the change replaces lines rather than reorders them.
 */
export function unsharedLines(before: string, after: string): { added: number; removed: number } {
  const counts = new Map<string, number>();
  for (const line of before.split("\n")) counts.set(line, (counts.get(line) ?? 0) + 1);
  let added = 0;
  for (const line of after.split("\n")) {
    const left = counts.get(line) ?? 0;
    if (left > 0) counts.set(line, left - 1);
    else added++;
  }
  let removed = 0;
  for (const left of counts.values()) removed += left;
  return { added, removed };
}

/**
 * Hunks with DIFF_CONTEXT lines of context; unchanged runs longer than that are folded away
 * between hunks, and each hunk starts with its `@@ -a,b +c,d @@` position line. Past the
 * budget: `tooLarge` with the unshared line counts.
 */
export function lineDiff(before: string, after: string, budget: DiffBudget = DIFF_BUDGET): UnifiedDiff {
  const tooLarge = (): UnifiedDiff => ({ text: "", ...unsharedLines(before, after), tooLarge: true });
  if (lineCount(before) + lineCount(after) > budget.maxLines) return tooLarge();
  const unshared = unsharedLines(before, after);
  if (unshared.added + unshared.removed > budget.maxChangedLines) return tooLarge();
  const patch = structuredPatch("live", "desired", before, after, undefined, undefined, {
    context: DIFF_CONTEXT,
    maxEditLength: budget.maxChangedLines,
    timeout: budget.timeoutMs,
  });
  if (patch === undefined) return tooLarge();
  const lines: string[] = [];
  let added = 0;
  let removed = 0;
  for (const hunk of patch.hunks) {
    // An empty range starts at the line before it, as in GNU diff and git: "@@ -0,0 +1,11 @@".
    const oldStart = hunk.oldLines === 0 ? hunk.oldStart - 1 : hunk.oldStart;
    const newStart = hunk.newLines === 0 ? hunk.newStart - 1 : hunk.newStart;
    lines.push(`@@ -${oldStart},${hunk.oldLines} +${newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) {
      if (line.startsWith("\\")) continue; // "\ No newline at end of file": YAML always ends with one
      if (line.startsWith("+")) added++;
      else if (line.startsWith("-")) removed++;
      lines.push(line);
    }
  }
  return { text: lines.join("\n"), added, removed };
}

/** The unified diff of two masked objects, on the calling thread (see diff-pool.ts). */
export function unifiedDiff(before: MaskedObject | undefined, after: MaskedObject | undefined): UnifiedDiff {
  return lineDiff(toYaml(before), toYaml(after));
}
