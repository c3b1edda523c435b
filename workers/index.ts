// Starts BullMQ Workers for the chosen queues on one Runtime. Each queue's entry point
// (preview.ts, sync.ts, reconcile.ts, command.ts, image.ts) provides a processor and its lifecycle hooks; this file
// only runs them, and stops them gracefully: no new jobs, active ones get `graceMs` to finish,
// then they are aborted and BullMQ hands them to another worker (or to this one on restart).
import { Worker, type Job, type Processor } from "bullmq";
import { queuePrefix } from "../src/keys.ts";
import { createRedis, type RedisClient } from "../src/queue/connection.ts";
import { jobDurationMetric } from "../src/queue/metrics.ts";
import { queueNames, type QueueKind } from "../src/queue/types.ts";
import type { Runtime } from "../src/runtime/context.ts";
import { createCommandProcessor } from "./command.ts";
import { createImageWorker } from "./image.ts";
import { createPreviewProcessor } from "./preview.ts";
import { createReconcileWorker } from "./reconcile.ts";
import { createSyncProcessor } from "./sync.ts";

export interface QueueWorker {
  processor: Processor;
  concurrency: number;
  /** Extra work that lives as long as the worker (reconcile: schedulers and the watcher). */
  start?: () => Promise<void>;
  stop?: () => Promise<void>;
}

// Concurrency per queue comes from ferry.yaml's workers.concurrency.
const factories: Record<QueueKind, (runtime: Runtime) => QueueWorker> = {
  preview: (runtime) => ({
    processor: createPreviewProcessor(runtime),
    concurrency: runtime.config.workers.concurrency.preview,
  }),
  sync: (runtime) => ({
    processor: createSyncProcessor(runtime),
    concurrency: runtime.config.workers.concurrency.sync,
  }),
  reconcile: (runtime) => createReconcileWorker(runtime),
  command: (runtime) => ({
    processor: createCommandProcessor(runtime),
    concurrency: runtime.config.workers.concurrency.command,
  }),
  image: (runtime) => createImageWorker(runtime),
};

export const allQueues = Object.keys(queueNames) as QueueKind[];

export interface RunningWorkers {
  stop(graceMs?: number): Promise<void>;
}

export async function startWorkers(
  runtime: Runtime,
  kinds: readonly QueueKind[] = allQueues,
): Promise<RunningWorkers> {
  const started: Array<{ worker: Worker; entry: QueueWorker; connection: RedisClient }> = [];
  const durations = jobDurationMetric(runtime.registry);
  const observe = (kind: QueueKind, outcome: string, job: Job | undefined) => {
    if (job?.processedOn && job.finishedOn) {
      durations.observe({ queue: kind, outcome }, (job.finishedOn - job.processedOn) / 1000);
    }
  };
  for (const kind of kinds) {
    const entry = factories[kind](runtime);
    // BullMQ leaves a connection it was given open on close(): this file owns and closes it.
    const connection = createRedis(runtime.config.redis, "worker");
    connection.on("error", (error: Error) =>
      runtime.logger.debug({ reason: error.message }, "redis connection error"),
    );
    const worker = new Worker(queueNames[kind], entry.processor, {
      connection,
      concurrency: entry.concurrency,
      prefix: queuePrefix(runtime.prefix),
    });
    worker.on("completed", (job) => observe(kind, "completed", job));
    worker.on("failed", (job, error) => {
      observe(kind, "failed", job);
      runtime.logger.warn({ queue: kind, jobId: job?.id, reason: error.message }, "job failed");
    });
    worker.on("error", (error) =>
      runtime.logger.error({ queue: kind, reason: error.message }, "worker error"),
    );
    await entry.start?.();
    started.push({ worker, entry, connection });
  }
  runtime.logger.info({ queues: kinds }, "workers started");

  return {
    stop: async (graceMs = 20_000) => {
      const timer = setTimeout(() => {
        for (const { worker } of started) worker.cancelAllJobs("shutting down");
      }, graceMs);
      await Promise.allSettled(started.map(({ entry }) => entry.stop?.() ?? Promise.resolve()));
      await Promise.allSettled(started.map(({ worker }) => worker.close()));
      clearTimeout(timer);
      for (const { connection } of started) await connection.quit().catch(() => connection.disconnect());
    },
  };
}
