// The preview queue's processor: validate the job, run the pipeline, and tell BullMQ whether
// a failure is worth another attempt. Domain logic lives in src/preview.
import type { Job } from "bullmq";
import { runPreview } from "../src/preview/pipeline.ts";
import { previewJobSchema } from "../src/queue/types.ts";
import type { Runtime } from "../src/runtime/context.ts";
import { isFinalAttempt, jobFailure, parseJob } from "./jobs.ts";

export function createPreviewProcessor(
  runtime: Runtime,
): (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown> {
  return async (job, _token, signal) => {
    const data = parseJob(previewJobSchema, job, "preview");
    const finalAttempt = isFinalAttempt(job);
    try {
      return await runPreview(data, runtime, { finalAttempt, ...(signal ? { signal } : {}) });
    } catch (error) {
      throw jobFailure(error);
    }
  };
}
