// One reconcile run for one app, as the reconcile worker calls it: poll the branch (timer and
// manual runs), then compare the live objects with the last applied state, then self-heal or
// report. The result is written as the app's status for the API.
//
// Comparing and healing happen under the app's one writer lock (src/deploy/lock.ts), the lock
// every sync, rollback and prune holds: a heal can then never force the previous revision back
// over a sync that started after some check. A run that finds the lock taken does not wait: it
// says Syncing and is retried a little later.
import { readPause } from "../sync/pause.ts";
import type { Queue } from "bullmq";
import type { AppConfig } from "../config/schema.ts";
import type { Logger } from "../observability/logger.ts";
import { readSeenHead } from "../deploy/affected.ts";
import { ifAppLockFree } from "../deploy/lock.ts";
import { isAppError } from "../errors.ts";
import { syncDeduplicationId } from "../queue/job-ids.ts";
import { reconcileJobSchema, type ReconcileJob } from "../queue/types.ts";
import { DEFAULT_BACKOFF } from "./backoff.ts";
import { detectDrift } from "./drift.ts";
import { healDrift, type HealOutcome } from "./heal.ts";
import { enqueueHealRetry } from "./jobs.ts";
import { deployLockKey } from "../keys.ts";
import { announceChange } from "../state/changes.ts";
import { pollBranch, type PollOutcome, type PollReason } from "./poll.ts";
import { readAppStatus, writeAppStatus } from "./status.ts";
import type { AppStatus, DriftedObject } from "./types.ts";
import type { ReconcileDeps } from "./index.ts";

export interface ReconcileOutcome {
  app: string;
  status: AppStatus["status"] | "NotConfigured";
  /** How the poll ended (src/outcome.ts). */
  poll?: PollReason;
  drifted: number;
  /** How the self-heal ended; AppLocked: another writer (a sync) held the app's lock, retried later. */
  heal?: HealOutcome["reason"] | "AppLocked";
}

/** How long a run that found the app locked waits before it tries again. */
export const LOCKED_RETRY_MS = 5_000;
/** The lock's TTL while comparing and healing (renewed at a third of it). */
const HEAL_LOCK_TTL_MS = 30_000;

const pendingStates = new Set(["active", "waiting", "delayed", "prioritized", "waiting-children"]);

/** A sync is waiting or running for the app: its objects are about to change anyway. */
export async function syncInFlight(syncQueue: Queue, app: string): Promise<boolean> {
  const id = await syncQueue.getDeduplicationJobId(syncDeduplicationId(app));
  if (id === null) return false;
  const job = await syncQueue.getJob(id);
  return job !== undefined && pendingStates.has(await job.getState());
}

export async function processReconcileJob(raw: unknown, deps: ReconcileDeps): Promise<ReconcileOutcome> {
  const data = reconcileJobSchema.parse(raw);
  const app = deps.apps().find((candidate) => candidate.name === data.app);
  if (!app) return { app: data.app, status: "NotConfigured", drifted: 0 };
  const stop = deps.metrics.duration.startTimer({ trigger: data.trigger });
  try {
    const outcome = await reconcileApp(data, app, deps);
    stop({ result: outcome.status });
    return outcome;
  } catch (error) {
    stop({ result: isAppError(error) ? error.code : "error" });
    throw error;
  }
}

async function reconcileApp(
  data: ReconcileJob,
  app: AppConfig,
  deps: ReconcileDeps,
): Promise<ReconcileOutcome> {
  const prefix = deps.prefix;
  const logger = deps.logger.child({ app: app.name, trigger: data.trigger });
  const previous = await readAppStatus(deps.redis, app.name, prefix);
  const save = statusWriter(app, deps);
  // A "Syncing" snapshot is dated by when the run looked (just before it queued the sync, or
  // asked the queue or the lock), not when it wrote: a sync that ended in between is then the
  // newer fact, and the app reads Synced. Looking any earlier would let a sync that ended
  // before the look outdate one it saw queued.
  const now = () => new Date().toISOString();
  const saveSyncing = (lookedAt: string, status: Omit<AppStatus, "app" | "checkedAt" | "status">) =>
    save({ status: "Syncing", ...status }, lookedAt);

  // Watch runs skip the ls-remote: they must answer within a second of a cluster change.
  const pollStarted = now();
  let poll: PollOutcome | undefined;
  if (data.trigger === "timer" || data.trigger === "manual") {
    poll = await pollBranch({
      app,
      location: deps.location(app),
      git: deps.git,
      store: deps.store,
      enqueuer: deps.enqueuer,
      seenHead: () => readSeenHead(deps, app.name),
      paused: () => readPause(deps.redis, prefix, app.name),
      logger,
    });
    deps.metrics.polls.inc({ reason: poll.reason });
  }
  const head = poll?.head ?? previous?.head;
  const withHead = head === undefined ? {} : { head };
  const enqueued = poll?.reason === "SyncEnqueued";
  const queueAsked = enqueued ? pollStarted : now();
  if (enqueued || (await syncInFlight(deps.enqueuer.queues.sync, app.name))) {
    await saveSyncing(queueAsked, { drifted: previous?.drifted ?? [], ...withHead, ...revisionOf(previous) });
    return { app: app.name, status: "Syncing", ...(poll ? { poll: poll.reason } : {}), drifted: 0 };
  }
  const lockAsked = now();
  const locked = await ifAppLockFree(
    deps.redis,
    deployLockKey(prefix, app.name),
    { ttlMs: HEAL_LOCK_TTL_MS, released: () => announceChange(deps.redis, prefix, { app: app.name }) },
    () => compareAndHeal(app, deps, { logger, previous, head, ...(poll ? { poll } : {}) }),
  );
  if (!locked.taken) return locked.value;
  await enqueueHealRetry(deps.enqueuer.queues.reconcile, app.name, deps.lockedRetryMs ?? LOCKED_RETRY_MS);
  await saveSyncing(lockAsked, { drifted: previous?.drifted ?? [], ...withHead, ...revisionOf(previous) });
  logger.info("another writer holds the app's lock; drift check retried later");
  return {
    app: app.name,
    status: "Syncing",
    ...(poll ? { poll: poll.reason } : {}),
    drifted: 0,
    heal: "AppLocked",
  };
}

async function compareAndHeal(
  app: AppConfig,
  deps: ReconcileDeps,
  seen: { logger: Logger; previous: AppStatus | undefined; head: string | undefined; poll?: PollOutcome },
): Promise<ReconcileOutcome> {
  const prefix = deps.prefix;
  const { logger, previous, head, poll } = seen;
  const withHead = head === undefined ? {} : { head };
  const save = statusWriter(app, deps);
  const [applied, failed] = await Promise.all([
    deps.store.lastApplied(app.name),
    deps.store.lastFailedRevision(app.name),
  ]);
  const headFailed = head !== undefined && head === failed;
  if (applied === "refused") {
    // Never compare with or heal towards a record that failed its check: deploy from Git.
    await deps.enqueuer.enqueueSync({ app: app.name, reason: "selfHeal", ...(head ? { sha: head } : {}) });
    const message = "stored state refused (failed its authenticity check); re-deploying from Git";
    await save({ status: "Syncing", drifted: [], ...withHead, message });
    return { app: app.name, status: "Syncing", ...(poll ? { poll: poll.reason } : {}), drifted: 0 };
  }
  if (!applied) {
    const status = headFailed ? "Failed" : "OutOfSync";
    await save({ status, drifted: [], ...withHead, message: "no applied state recorded to compare with" });
    return { app: app.name, status, ...(poll ? { poll: poll.reason } : {}), drifted: 0 };
  }

  const { report, desiredByKey, scrub } = await detectDrift({
    kube: deps.kube(app),
    app,
    revision: applied.revision,
    desired: applied.objects,
    ...(deps.dryRun ? { dryRun: deps.dryRun } : {}),
  });
  for (const item of report.drifted) deps.metrics.driftDetected.inc({ app: app.name, state: item.state });
  if (report.drifted.length > 0)
    logger.info({ drifted: report.drifted.flatMap((item) => item.summary) }, "drift detected");

  let remaining: DriftedObject[] = report.drifted;
  let heal: HealOutcome | undefined;
  let lastCorrection = previous?.lastCorrection;
  let message: string | undefined;
  // A paused app (src/sync/pause.ts) reports its drift without healing it.
  if (report.drifted.length > 0 && app.sync.selfHeal && !(await readPause(deps.redis, prefix, app.name))) {
    heal = await healDrift({
      kube: deps.kube(app),
      redis: deps.redis,
      prefix,
      app: app.name,
      allowAdoption: deps.allowAdoption?.(app) ?? false,
      revision: applied.revision,
      drifted: report.drifted,
      desiredByKey,
      backoff: deps.backoff ?? DEFAULT_BACKOFF,
    });
    if (heal.reason === "Healed") {
      const fixed = new Set(heal.correction.objects.map((item) => item.key));
      remaining = report.drifted.filter((item) => !fixed.has(item.key));
      deps.metrics.driftCorrected.inc({ app: app.name }, fixed.size);
      lastCorrection = { at: heal.correction.at, objects: [...fixed] };
      await deps.recordCorrection?.(app.name, heal.correction);
      logger.info({ corrected: [...fixed], failed: scrub.deep(heal.failed) }, "self-heal: drift corrected");
    } else if (heal.reason === "HealBackingOff") {
      message = heal.message;
      await enqueueHealRetry(deps.enqueuer.queues.reconcile, app.name, heal.nextAt - Date.now());
      logger.warn({ nextAt: heal.nextAt }, "self-heal: backing off");
    }
  }
  const status: AppStatus["status"] = remaining.length > 0 ? "OutOfSync" : headFailed ? "Failed" : "Synced";
  if (headFailed && message === undefined) message = `revision ${failed} failed; waiting for a newer commit`;
  await save({
    status,
    revision: applied.revision,
    drifted: remaining,
    ...withHead,
    ...(message ? { message } : {}),
    ...(lastCorrection ? { lastCorrection } : {}),
  });
  return {
    app: app.name,
    status,
    ...(poll ? { poll: poll.reason } : {}),
    drifted: report.drifted.length,
    ...(heal ? { heal: heal.reason } : {}),
  };
}

function statusWriter(app: AppConfig, deps: ReconcileDeps) {
  const prefix = deps.prefix;
  return (status: Omit<AppStatus, "app" | "checkedAt">, checkedAt = new Date().toISOString()) =>
    writeAppStatus(deps.redis, { app: app.name, checkedAt, ...status }, prefix);
}

function revisionOf(status: AppStatus | undefined): { revision?: string } {
  return status?.revision === undefined ? {} : { revision: status.revision };
}
