// YAML text and unified diffs of masked objects. Taking MaskedObject (not KubeObject) is the
// point: an unmasked Secret cannot reach a diff without a type error.
import { structuredPatch } from "diff";
import * as yaml from "js-yaml";
import type { MaskedObject } from "./mask.ts";

export const DIFF_CONTEXT = 3;

export function toYaml(object: MaskedObject | undefined): string {
  if (object === undefined) return "";
  // lineWidth -1: a folded long line would show as a multi-line change when one word changes.
  return yaml.dump(object, { lineWidth: -1, noRefs: true });
}

export interface UnifiedDiff {
  text: string;
  added: number;
  removed: number;
}

/**
 * Hunks with DIFF_CONTEXT lines of context; unchanged runs longer than that are folded away
 * between hunks, and each hunk starts with its `@@ -a,b +c,d @@` position line.
 */
export function unifiedDiff(before: MaskedObject | undefined, after: MaskedObject | undefined): UnifiedDiff {
  const patch = structuredPatch("live", "desired", toYaml(before), toYaml(after), undefined, undefined, {
    context: DIFF_CONTEXT,
  });
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
