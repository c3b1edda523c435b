// The reconcile queue's worker: per-app job schedulers (the timer), the watcher role (one
// process at a time holds it) and the processor that polls the branch and checks drift.
// Domain logic lives in src/reconcile.
import type { Job } from "bullmq";
import { reconcileJobSchema } from "../src/queue/types.ts";
import {
  countStatuses,
  createHistoryRecorder,
  createSyncHistoryStore,
  processReconcileJob,
  reconcileMetrics,
  startWatcher,
  syncSchedulers,
  type ReconcileDeps,
  type Watcher,
} from "../src/reconcile/index.ts";
import { serviceAccountOf } from "../src/policy/project.ts";
import type { Runtime } from "../src/runtime/context.ts";
import type { QueueWorker } from "./index.ts";
import { parseJob } from "./jobs.ts";

export function reconcileDeps(runtime: Runtime): ReconcileDeps {
  const { config, redis } = runtime;
  const prefix = runtime.prefix;
  const apps = () => config.apps;
  return {
    apps,
    redis,
    prefix,
    logger: runtime.logger,
    git: runtime.git,
    location: (app) => runtime.location(app),
    kube: (app) => runtime.kubeFor(app),
    allowAdoption: (app) => runtime.projectOf(app).allowAdoption,
    enqueuer: runtime.enqueuer,
    store: createSyncHistoryStore(redis, prefix, runtime.seal),
    metrics: reconcileMetrics(runtime.registry, {
      statusCounts: () =>
        countStatuses(
          redis,
          config.apps.map((app) => app.name),
          prefix,
        ),
    }),
    recordCorrection: createHistoryRecorder(redis, prefix),
  };
}

export function createReconcileWorker(runtime: Runtime): QueueWorker {
  const deps = reconcileDeps(runtime);
  let watcher: Watcher | undefined;
  const processor = async (job: Job) =>
    processReconcileJob(parseJob(reconcileJobSchema, job, "reconcile"), deps);
  return {
    processor,
    concurrency: runtime.config.workers.concurrency.reconcile,
    start: async () => {
      await syncSchedulers(runtime.enqueuer.queues.reconcile, runtime.config.apps);
      watcher = startWatcher({
        ...deps,
        kubeConfig: (app) => runtime.kubeConfigFor(app),
        impersonates: (app) => serviceAccountOf(runtime.projectOf(app), app) !== undefined,
        queue: runtime.enqueuer.queues.reconcile,
      });
    },
    stop: async () => {
      await watcher?.stop();
    },
  };
}
