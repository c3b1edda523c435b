// Words and numbers shared by the comment, the HTML page and the commit statuses, so that all
// three always say the same thing about a preview.
import type { AppDiff, ChangeAction, ChangeCounts, ResourceChange } from "../diff/types.ts";

export interface Totals extends ChangeCounts {
  appsChanged: number;
  appsTotal: number;
}

export function totalsOf(apps: readonly AppDiff[]): Totals {
  const totals: Totals = {
    added: 0,
    changed: 0,
    removed: 0,
    unchanged: 0,
    errors: 0,
    appsChanged: 0,
    appsTotal: apps.length,
  };
  for (const app of apps) {
    totals.added += app.counts.added;
    totals.changed += app.counts.changed;
    totals.removed += app.counts.removed;
    totals.unchanged += app.counts.unchanged;
    totals.errors += app.counts.errors;
    if (app.counts.added + app.counts.changed + app.counts.removed > 0) totals.appsChanged++;
  }
  return totals;
}

/** `+1 ~1 −0` (U+2212 minus, the same in every comment and status). */
export function countsText(counts: Pick<ChangeCounts, "added" | "changed" | "removed">): string {
  return `+${counts.added} ~${counts.changed} −${counts.removed}`;
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

export function verdictText(totals: Totals): string {
  if (totals.errors > 0) return `${plural(totals.errors, "blocking error")}: fix before merging`;
  if (totals.appsChanged === 0) return "no changes to the cluster";
  return "ready to merge";
}

export function verdictIcon(totals: Totals): string {
  return totals.errors > 0 ? "❌" : "✅";
}

/** The checks column: did rendering and the dry-run pass? */
export function checksText(app: AppDiff): string {
  if (app.error !== undefined) return "❌ render failed";
  if (app.counts.errors > 0) return `❌ dry-run: ${plural(app.counts.errors, "error")}`;
  return app.mode === "render" ? "✅ render only" : "✅ dry-run";
}

export const actionSymbols: Record<ChangeAction, string> = {
  add: "+",
  change: "~",
  remove: "−",
  unchanged: "=",
  error: "❌",
};

export const actionWords: Record<ChangeAction, string> = {
  add: "added",
  change: "changed",
  remove: "removed (pruned on deploy)",
  unchanged: "unchanged",
  error: "dry-run failed",
};

export function resourceName(change: Pick<ResourceChange, "namespace" | "name">): string {
  return change.namespace === undefined || change.namespace === ""
    ? change.name
    : `${change.namespace}/${change.name}`;
}

/**
 * An app's health in a sentence: Suspended and Unknown say what they mean for the deploy (done,
 * and not judged), so nobody reads them as a failure.
 */
export function healthText(health: string): string {
  if (health === "Suspended") return "suspended (counts as done)";
  if (health === "Unknown") return "health unknown";
  return health.toLowerCase();
}

export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}

/** `{sha}` in the template is replaced by the full SHA. */
export function commitUrl(template: string | undefined, sha: string): string | undefined {
  return template === undefined ? undefined : template.replaceAll("{sha}", sha);
}

export function previewUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/previews/${encodeURIComponent(id)}`;
}

/** The footer's disclosure of ignoreDifferences, one entry per app and rule. */
export function ignoreDifferencesText(apps: readonly AppDiff[]): string[] {
  const entries = new Set<string>();
  for (const app of apps) {
    for (const rule of app.ignoreDifferences) {
      const target = [rule.group, rule.kind].filter((part) => part !== undefined && part !== "").join("/");
      const where = [rule.namespace, rule.name].filter((part) => part !== undefined).join("/");
      entries.add(`${app.app}: ${target}${where === "" ? "" : ` ${where}`} ${rule.jsonPointers.join(", ")}`);
    }
  }
  return [...entries].sort();
}
