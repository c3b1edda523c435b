// Pull reconciliation (issue 8): branch polling for lost webhooks, drift detection by timer and
// watches, drift explained from managedFields, self-heal with backoff, app status for the API.
//
// Wiring (workers/reconcile.ts stays thin):
//   const store = createSyncHistoryStore(runtime.redis, prefix);   // the sync engine's history
//   const metrics = reconcileMetrics(runtime.registry, {
//     statusCounts: () => countStatuses(runtime.redis, config.apps.map((a) => a.name), prefix) });
//   const deps: ReconcileDeps = { apps: () => config.apps, redis: runtime.redis, prefix,
//     logger, git: runtime.git, location: runtime.location, kube: runtime.kubeFor,
//     allowAdoption: (app) => runtime.projectOf(app).allowAdoption,
//     enqueuer: runtime.enqueuer, store, metrics,
//     recordCorrection: createHistoryRecorder(runtime.redis, prefix) };
//   await syncSchedulers(runtime.enqueuer.queues.reconcile, config.apps);
//   new Worker(queueNames.reconcile, (job) => processReconcileJob(job.data, deps), {...});
//   const watcher = startWatcher({ ...deps, kubeConfig: runtime.kubeConfigFor, impersonates,
//     queue: runtime.enqueuer.queues.reconcile });   // every worker; one holds the role
//   on shutdown: await watcher.stop();
//
// Deps:
//   apps       the configured apps (a function, so a reloaded config is seen)
//   redis      a worker-role ioredis connection for Ferry's keys (status, backoff, locks)
//   prefix     ferry.yaml's redis.prefix: where those keys live (src/keys.ts)
//   git        headOf (ls-remote) of src/git
//   location   app → RepoLocation (src/runtime/locations.ts)
//   kube       app → its KubeClient (Runtime.kubeFor: impersonating its project's ServiceAccount)
//   allowAdoption  app → its project's allowAdoption (Runtime.projectOf); self-heal follows
//              apply's ownership rule with it. Unset: never take over another app's object
//   enqueuer   src/queue enqueuer: enqueueSync for polls, queues.sync to see syncs in flight,
//              queues.reconcile for self-heal retries
//   store      AppliedStateStore: last applied revision + objects, last failed revision
//   metrics    reconcileMetrics(registry)
//   backoff    self-heal backoff (default 2 s ×3 up to 5 min, reset after 10 min quiet)
//   dryRun     "suspects" (default: dry-run only objects whose live copy differs) or "always"
//   recordCorrection  optional: also write each self-heal into the deployment history
//              (createHistoryRecorder(redis, prefix) from sync-store.ts)
//   lockedRetryMs  retry delay of a run that found the app\'s writer lock taken (default 5 s)
// Production store: createSyncHistoryStore(redis, prefix) reads the sync engine's history (last healthy
// revision + manifests, bad revision). store.ts holds a stand-alone store that only tests and
// bench/drift.bench.ts use, so it is not exported here.
import type { RedisClient } from "../queue/connection.ts";
import type { AppConfig } from "../config/schema.ts";
import type { GitService, RepoLocation } from "../git/types.ts";
import type { KubeClient } from "../kube/types.ts";
import type { Logger } from "../observability/logger.ts";
import type { Enqueuer } from "../queue/enqueue.ts";
import type { BackoffOptions } from "./backoff.ts";
import type { Correction } from "./heal.ts";
import type { ReconcileMetrics } from "./metrics.ts";
import type { AppliedStateStore } from "./types.ts";

export interface ReconcileDeps {
  apps: () => readonly AppConfig[];
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  git: Pick<GitService, "headOf">;
  location: (app: AppConfig) => RepoLocation;
  /** The app's client (Runtime.kubeFor: as its project's ServiceAccount when it names one). */
  kube: (app: AppConfig) => KubeClient;
  /** The app's project lets self-heal take over another app's objects (default: never). */
  allowAdoption?: (app: AppConfig) => boolean;
  enqueuer: Pick<Enqueuer, "enqueueSync" | "queues">;
  store: AppliedStateStore;
  metrics: ReconcileMetrics;
  backoff?: BackoffOptions;
  dryRun?: "always" | "suspects";
  recordCorrection?: (app: string, correction: Correction) => Promise<void>;
  /** Delay of the retry when a run found the app's lock held by a sync (default 5 s). */
  lockedRetryMs?: number;
}

export { DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.ts";
export { detectDrift, type DriftInput, type DriftResult } from "./drift.ts";
export { explainFields } from "./explain.ts";
export { healDrift, readCorrections, type Correction, type HealOutcome } from "./heal.ts";
export { reconcileMetrics, type ReconcileMetrics } from "./metrics.ts";
export { pollBranch, type PollOutcome } from "./poll.ts";
export { processReconcileJob, type ReconcileOutcome } from "./process.ts";
export { jitterOf, schedulerId, syncSchedulers } from "./scheduler.ts";
export { countStatuses, readAppStatus, readAppStatuses } from "./status.ts";
export { createHistoryRecorder, createSyncHistoryStore } from "./sync-store.ts";
export { startWatcher, type Watcher, type WatcherOptions } from "./watcher.ts";
export type * from "./types.ts";
