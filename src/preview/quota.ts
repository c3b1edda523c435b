// Previews are the work that can wait: when a repository's forge quota (GitHub's
// x-ratelimit-remaining, per installation) drops under the forge's `rateLimit.previewReserve`,
// a preview waits for the window to reset instead of spending requests that deploys and
// commands need. While it waits, a newer head of the same change request replaces it in the
// queue (src/queue/enqueue.ts), so an old head's preview never spends the quota at all.
import type { ForgeConfig } from "../config/schema.ts";
import type { Forge, ForgeQuota } from "../forges/types.ts";
import type { PreviewJob } from "../queue/types.ts";

export const DEFAULT_PREVIEW_RESERVE = 500;
/** Past its reset, a reading says nothing; a little slack lets the new window open first. */
const RESET_SLACK_MS = 1_000;
/** GitHub's primary window is an hour: never wait longer on a bad reset header. */
const MAX_WAIT_MS = 3_600_000;

/** How long the preview should wait (ms), or undefined to run it now. */
export async function previewQuotaWait(
  forge: Forge,
  forgeConfig: ForgeConfig,
  job: Pick<PreviewJob, "repo">,
  now = Date.now(),
): Promise<number | undefined> {
  if (!forge.quotaOf || forgeConfig.type !== "github") return undefined;
  const reserve = forgeConfig.rateLimit?.previewReserve ?? DEFAULT_PREVIEW_RESERVE;
  const low = (quota: ForgeQuota | undefined) => quota !== undefined && quota.remaining < reserve;
  if (!low(await forge.quotaOf(job.repo))) return undefined;
  // The last answer may be old news (a new window, or other work slowed down): ask afresh.
  const quota = forge.refreshQuota ? await forge.refreshQuota(job.repo) : await forge.quotaOf(job.repo);
  if (!quota || !low(quota)) return undefined;
  return Math.min(Math.max(quota.resetAt - now, 0) + RESET_SLACK_MS, MAX_WAIT_MS);
}
