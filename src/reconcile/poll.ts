// Catching lost webhooks: ls-remote the tracked branch and, when its head is neither the
// revision Ferry last applied, nor the one that last failed, nor one already found to change
// nothing of the app (seen: src/deploy/affected.ts), enqueue a sync as a webhook would have.
// The sync worker resolves the head again itself, so a stale poll can never roll back, and it
// decides with the same rule as a push whether the head changes the app at all. A paused app
// (src/sync/pause.ts) gets no job at all: the poll reports the head and leaves it.
import type { AppConfig } from "../config/schema.ts";
import type { GitService, RepoLocation } from "../git/types.ts";
import type { Logger } from "../observability/logger.ts";
import { outcome, type Outcome } from "../outcome.ts";
import type { Enqueuer } from "../queue/enqueue.ts";
import type { Pause } from "../sync/pause.ts";
import type { AppliedStateStore } from "./types.ts";

/** How a poll ends (src/outcome.ts): the same names a deploy uses for the same decisions. */
export type PollReason =
  "AlreadyDeployed" | "NotAffected" | "HeldBack" | "AutoSyncOff" | "Paused" | "SyncEnqueued";

export interface PollInput {
  app: Pick<AppConfig, "name" | "branch" | "sync">;
  location: RepoLocation;
  git: Pick<GitService, "headOf">;
  store: AppliedStateStore;
  enqueuer: Pick<Enqueuer, "enqueueSync">;
  /** The last head a sync found to change nothing of the app. */
  seenHead: () => Promise<string | undefined>;
  /** Who paused the app's automatic sync, if someone did (src/sync/pause.ts). */
  paused: () => Promise<Pause | undefined>;
  /** Already bound to the app (the reconcile processor does it). */
  logger: Logger;
}

export type PollOutcome = Outcome<PollReason> & { head: string; applied?: string };

export async function pollBranch(input: PollInput): Promise<PollOutcome> {
  const { app } = input;
  const head = await input.git.headOf(input.location, app.branch);
  const [stored, failed, seen] = await Promise.all([
    input.store.lastApplied(app.name),
    input.store.lastFailedRevision(app.name),
    input.seenHead(),
  ]);
  // A refused record says nothing about what is deployed: deploy the head from Git again.
  const applied = stored === "refused" ? undefined : stored;
  const ended = (reason: PollReason, message?: string): PollOutcome => ({
    head,
    ...(applied ? { applied: applied.revision } : {}),
    ...outcome(reason, message),
  });
  if (applied?.revision === head) return ended("AlreadyDeployed");
  if (applied !== undefined && seen === head) return ended("NotAffected");
  // Rolled back: wait for a newer commit rather than deploying the bad one again.
  if (failed === head) return ended("HeldBack", `${head} was rolled back before; waiting for a newer commit`);
  if (!app.sync.auto) return ended("AutoSyncOff", `sync.auto is off; ${head} waits for a manual sync`);
  const paused = await input.paused();
  if (paused)
    return ended(
      "Paused",
      `automatic sync paused by ${paused.by}; ${head} waits for a resume or a manual sync`,
    );
  // "selfHeal" re-applies even when the head is the healthy revision the refused record named.
  const reason = stored === "refused" ? "selfHeal" : "poll";
  await input.enqueuer.enqueueSync({ app: app.name, reason, sha: head });
  input.logger.info({ sha: head, applied: applied?.revision }, "poll: missed webhook");
  return ended("SyncEnqueued", "missed webhook");
}
