// The sync queue's processor: validate the job, run the deploy pipeline, and tell BullMQ
// whether a failure is worth another attempt. Domain logic lives in src/deploy and src/sync.
import type { Job } from "bullmq";
import { runDeploy, type DeployOptions } from "../src/deploy/pipeline.ts";
import { syncJobSchema } from "../src/queue/types.ts";
import { syncMetrics } from "../src/sync/metrics.ts";
import type { Runtime } from "../src/runtime/context.ts";
import { isFinalAttempt, jobFailure, parseJob } from "./jobs.ts";

export type SyncProcessorOptions = Pick<DeployOptions, "lockTtlMs" | "lockWaitMs" | "pollIntervalMs">;

export function createSyncProcessor(
  runtime: Runtime,
  options: SyncProcessorOptions = {},
): (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown> {
  const metrics = syncMetrics(runtime.registry);
  return async (job, _token, signal) => {
    const data = parseJob(syncJobSchema, job, "sync");
    const finalAttempt = isFinalAttempt(job);
    try {
      return await runDeploy(data, runtime, {
        ...options,
        metrics,
        finalAttempt,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      // An abort (shutdown, lost lock) is retried: apply is idempotent, the next attempt finishes.
      if (signal?.aborted) throw error;
      throw jobFailure(error);
    }
  };
}
