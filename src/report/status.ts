// Commit status descriptions. Forges cut or refuse long ones (GitHub: 140 characters), so every
// text is clipped here, and scrubbed: a status is as public as the repository.
import { scrubText } from "../observability/scrub.ts";
import type { AppDiff } from "../diff/types.ts";
import type { CommitState } from "../forges/types.ts";
import { clip } from "./markdown.ts";
import { countsText, healthText, plural, shortSha, totalsOf } from "./summary.ts";

export const STATUS_MAX_CHARS = 140;
export const PREVIEW_CONTEXT = "ferry/preview";

export function deployContext(app: string): string {
  return `ferry/deploy/${app}`;
}

export interface StatusText {
  state: CommitState;
  description: string;
}

function status(state: CommitState, description: string, secrets: readonly string[] = []): StatusText {
  return { state, description: clip(scrubText(description, secrets), STATUS_MAX_CHARS) };
}

export function previewPending(): StatusText {
  return status("pending", "Rendering and comparing with the cluster…");
}

/** success when nothing blocks the merge, failure when a render or dry-run failed. */
export function previewResult(apps: readonly AppDiff[]): StatusText {
  const totals = totalsOf(apps);
  const scope = `${totals.appsChanged} of ${plural(totals.appsTotal, "app")} changed`;
  if (totals.errors > 0)
    return status("failure", `${plural(totals.errors, "blocking error")} · ${countsText(totals)} · ${scope}`);
  if (totals.appsChanged === 0)
    return status("success", `No changes to the cluster (${plural(totals.appsTotal, "app")})`);
  return status("success", `${countsText(totals)} · ${scope}`);
}

/** The preview itself could not run (not a finding about the change): state "error". */
export function previewError(message: string, secrets: readonly string[] = []): StatusText {
  return status("error", `Preview failed: ${message}`, secrets);
}

export function deployPending(app: string, sha: string): StatusText {
  return status("pending", `Deploying ${app} at ${shortSha(sha)}…`);
}

export function deploySucceeded(app: string, changed: number, health: string): StatusText {
  return status("success", `Deployed ${app}: ${plural(changed, "object")} changed, ${healthText(health)}`);
}

export function deployFailed(app: string, message: string, secrets: readonly string[] = []): StatusText {
  return status("failure", `Deploy of ${app} failed: ${message}`, secrets);
}

export function deployRolledBack(
  app: string,
  toSha: string,
  message: string,
  secrets: readonly string[] = [],
): StatusText {
  return status("failure", `Rolled back ${app} to ${shortSha(toSha)}: ${message}`, secrets);
}
