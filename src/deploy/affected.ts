// Does a new head of the branch change this app? The deploy path asks before it says anything
// about a revision: a commit that touches none of the app's render inputs (a docs change, another
// app's directory) is recorded as seen and nothing is posted — no status, no comment, no history.
// Polling skips seen heads, so such a commit is never deployed "as a missed webhook" either.
//
// The rule itself is src/render/touched.ts (also the preview's); here it is applied to the
// change between the revision that is live (the last healthy one) and the new head, so several
// pushes between two syncs, or a force push, are judged by what they change in sum.
import type { AppConfig } from "../config/schema.ts";
import { syncKey } from "../keys.ts";
import type { Logger } from "../observability/logger.ts";
import { touchedApps, touchesAppPath } from "../render/index.ts";
import type { Runtime } from "../runtime/context.ts";
import { readHistory } from "../sync/history.ts";

export type AffectedRuntime = Pick<Runtime, "git" | "location" | "redis" | "prefix">;

/**
 * The revision whose objects are live, or undefined when that is not known for certain. It
 * starts from the last healthy revision as the sealed record names it (the caller has read it:
 * never the clear-text mark, since judging a head unaffected is a decision not to deploy it,
 * which a Redis writer must not be able to steer).
 */
async function liveRevision(
  runtime: AffectedRuntime,
  app: string,
  healthy: string | undefined,
): Promise<string | undefined> {
  if (healthy === undefined) return undefined;
  const [newest] = await readHistory(runtime.redis, runtime.prefix, app);
  // A failed sync that changed objects and was not rolled back left (part of) its revision.
  if (newest?.result === "failed" && newest.changed > 0) return undefined;
  return healthy;
}

/**
 * True when `head` may render differently from the live revision. `healthy` is the app's last
 * healthy revision from its sealed record (undefined when there is none or it did not open).
 * Anything uncertain (nothing live yet, a live revision git no longer has) counts as affected:
 * the sync then decides.
 */
export async function headAffectsApp(
  runtime: AffectedRuntime,
  app: AppConfig,
  revisions: { head: string; healthy: string | undefined },
  logger: Logger,
): Promise<boolean> {
  const { head } = revisions;
  const live = await liveRevision(runtime, app.name, revisions.healthy);
  if (live === undefined) return true;
  const location = runtime.location(app);
  let changed: string[];
  try {
    changed = await runtime.git.changedPaths(location, live, head);
  } catch (error) {
    logger.warn({ live, reason: error instanceof Error ? error.message : String(error) }, "no diff to live");
    return true;
  }
  if (changed.length === 0) return false;
  if (touchesAppPath(app, changed)) return true;
  // Bases, value files and symlink targets outside the app's path: read both sides' inputs.
  const [headTree, liveTree] = await Promise.all([
    runtime.git.checkout(location, head),
    runtime.git.checkout(location, live),
  ]);
  try {
    const touched = await touchedApps([app], changed, { head: headTree.dir, base: liveTree.dir });
    return touched.length > 0;
  } finally {
    await Promise.all([headTree.cleanup(), liveTree.cleanup()]);
  }
}

/** Records that `head` was looked at and changes nothing of the app. */
export async function markSeenHead(
  runtime: Pick<Runtime, "redis" | "prefix">,
  app: string,
  head: string,
): Promise<void> {
  await runtime.redis.set(syncKey(runtime.prefix, app, "seen"), head);
}

/** The last head found to change nothing of the app, if any. */
export async function readSeenHead(
  runtime: Pick<Runtime, "redis" | "prefix">,
  app: string,
): Promise<string | undefined> {
  return (await runtime.redis.get(syncKey(runtime.prefix, app, "seen"))) ?? undefined;
}
