// Short notes on merged MRs after a deploy: what was deployed where, how long it took, and, when
// health failed, what Ferry rolled back to and why.
import { scrubText } from "../observability/scrub.ts";
import type { DeployCause } from "../sync/history.ts";
import { clip, escapeMarkdown, inlineCode, link } from "./markdown.ts";
import { commitUrl, healthText, plural, shortSha } from "./summary.ts";

export interface DeployNote {
  app: string;
  cluster: string;
  sha: string;
  durationMs: number;
  /** Objects created, changed or pruned by the apply. */
  changed: number;
  /** e.g. "Healthy" (health/types.ts). */
  health: string;
  commitUrlTemplate?: string;
}

export interface RollbackNote {
  app: string;
  cluster: string;
  /** The revision that failed its health check. */
  fromSha: string;
  /** The last healthy revision, now applied again. */
  toSha: string;
  /** What failed, e.g. "Deployment podinfo not available after 5m". */
  message: string;
  /** The controller's reason, e.g. "ProgressDeadlineExceeded". */
  reason?: string;
  commitUrlTemplate?: string;
  /** Values to scrub from the message. */
  secrets?: string[];
}

export interface FailureNote {
  app: string;
  cluster: string;
  sha: string;
  message: string;
  reason?: string;
  secrets?: string[];
}

const MAX_MESSAGE = 2_000;

/** "4.2 s", "2m 05s": seconds with one decimal below a minute. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}m ${String(seconds % 60).padStart(2, "0")}s`;
}

/** "Deployed podinfo to prod at abc1234 in 4.2 s, 3 objects changed, healthy" */
export function deploySummary(outcome: DeployNote): string {
  return `Deployed ${outcome.app} to ${outcome.cluster} at ${shortSha(outcome.sha)} in ${formatDuration(outcome.durationMs)}, ${plural(outcome.changed, "object")} changed, ${healthText(outcome.health)}`;
}

/** "Rolled back podinfo to def5678: Deployment podinfo not available after 5m — ProgressDeadlineExceeded" */
export function rollbackSummary(outcome: RollbackNote): string {
  const reason = outcome.reason === undefined ? "" : ` — ${outcome.reason}`;
  return scrubText(
    `Rolled back ${outcome.app} to ${shortSha(outcome.toSha)}: ${outcome.message}${reason}`,
    outcome.secrets ?? [],
  );
}

function marker(kind: string, app: string, sha: string): string {
  return `<!-- ferry:${kind} app=${app.replaceAll(">", "")} sha=${sha.replaceAll(">", "")} -->`;
}

function sha(value: string, template: string | undefined): string {
  return link(inlineCode(shortSha(value)), commitUrl(template, value));
}

export function deployComment(outcome: DeployNote): string {
  return [
    marker("deploy", outcome.app, outcome.sha),
    `✅ Deployed **${escapeMarkdown(outcome.app)}** to **${escapeMarkdown(outcome.cluster)}** at ${sha(outcome.sha, outcome.commitUrlTemplate)} in ${formatDuration(outcome.durationMs)}, ${plural(outcome.changed, "object")} changed, ${escapeMarkdown(healthText(outcome.health))}.`,
    "",
  ].join("\n");
}

export function rollbackComment(outcome: RollbackNote): string {
  const message = clip(scrubText(outcome.message, outcome.secrets ?? []), MAX_MESSAGE);
  const reason = outcome.reason === undefined ? "" : ` — ${escapeMarkdown(outcome.reason)}`;
  return [
    marker("rollback", outcome.app, outcome.fromSha),
    `↩️ Rolled back **${escapeMarkdown(outcome.app)}** on **${escapeMarkdown(outcome.cluster)}** to ${sha(outcome.toSha, outcome.commitUrlTemplate)}: ${escapeMarkdown(message)}${reason}`,
    "",
    `${sha(outcome.fromSha, outcome.commitUrlTemplate)} did not become healthy; the last healthy revision is live again.`,
    "",
  ].join("\n");
}

export function deployFailedComment(failure: FailureNote): string {
  const message = clip(scrubText(failure.message, failure.secrets ?? []), MAX_MESSAGE);
  const reason = failure.reason === undefined ? "" : ` — ${escapeMarkdown(failure.reason)}`;
  return [
    marker("deploy", failure.app, failure.sha),
    `❌ Deploying **${escapeMarkdown(failure.app)}** to **${escapeMarkdown(failure.cluster)}** at ${inlineCode(shortSha(failure.sha))} failed: ${escapeMarkdown(message)}${reason}`,
    "",
  ].join("\n");
}

/** A deploy's cause in a few words, for `ferry status`: "!12 by alice, merged by bob". */
export function describeCause(cause: DeployCause): string {
  switch (cause.kind) {
    case "changeRequest": {
      const by = cause.author === undefined ? "" : ` by ${cause.author}`;
      const merged = cause.mergedBy === undefined ? "" : `, merged by ${cause.mergedBy}`;
      return `change request ${cause.number}${by}${merged}`;
    }
    case "command": {
      const where = cause.changeRequest === undefined ? "" : ` on change request ${cause.changeRequest}`;
      return `/ferry sync${cause.force === true ? " --force" : ""} by ${cause.user}${where}`;
    }
    case "push":
      return cause.user === undefined ? "push" : `push by ${cause.user}`;
    case "cli":
      return `ferry sync${cause.force === true ? " --force" : ""}`;
    case "reconcile":
      return "reconcile";
    case "ui":
      return `${cause.action}${cause.force === true ? " --force" : ""} in the web UI by ${cause.user}`;
  }
}
