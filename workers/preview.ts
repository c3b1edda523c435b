// The preview queue's processor: validate the job, run the pipeline, and tell BullMQ whether
// a failure is worth another attempt. Domain logic lives in src/preview.
import { DelayedError, type Job } from "bullmq";
import { runPreview } from "../src/preview/pipeline.ts";
import { previewQuotaWait } from "../src/preview/quota.ts";
import { previewJobSchema, type PreviewJob } from "../src/queue/types.ts";
import type { Runtime } from "../src/runtime/context.ts";
import { isFinalAttempt, jobFailure, parseJob } from "./jobs.ts";

export function createPreviewProcessor(
  runtime: Runtime,
): (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown> {
  return async (job, token, signal) => {
    const data = parseJob(previewJobSchema, job, "preview");
    const finalAttempt = isFinalAttempt(job);
    // The forge's quota runs low: the preview waits for the next window (not an attempt).
    const wait = await quotaWait(runtime, data).catch(() => undefined);
    if (wait !== undefined && token !== undefined) {
      runtime.logger.info(
        { repo: data.repo, number: data.number, waitMs: wait },
        "preview postponed: the forge's rate limit is nearly spent",
      );
      await job.moveToDelayed(Date.now() + wait, token);
      throw new DelayedError();
    }
    try {
      return await runPreview(data, runtime, { finalAttempt, ...(signal ? { signal } : {}) });
    } catch (error) {
      throw jobFailure(error);
    }
  };
}

async function quotaWait(runtime: Runtime, job: PreviewJob): Promise<number | undefined> {
  const forge = runtime.forges.get(job.forge);
  const forgeConfig = runtime.config.forges.find((candidate) => candidate.name === job.forge);
  return forge && forgeConfig ? previewQuotaWait(forge, forgeConfig, job) : Promise.resolve(undefined);
}
