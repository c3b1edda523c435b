// The preview queue's processor: validate the job, run the pipeline, and tell BullMQ whether
// a failure is worth another attempt. Domain logic lives in src/preview.
import { UnrecoverableError, type Job } from "bullmq";
import { toAppError } from "../src/errors.ts";
import { runPreview } from "../src/preview/pipeline.ts";
import { previewJobSchema } from "../src/queue/types.ts";
import type { Runtime } from "../src/runtime/context.ts";

export function createPreviewProcessor(
  runtime: Runtime,
): (job: Job, token?: string, signal?: AbortSignal) => Promise<unknown> {
  return async (job, _token, signal) => {
    const parsed = previewJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid preview job: ${parsed.error.message}`);
    const finalAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      return await runPreview(parsed.data, runtime, { finalAttempt, ...(signal ? { signal } : {}) });
    } catch (error) {
      const failure = toAppError(error);
      if (!failure.retryable) throw new UnrecoverableError(`${failure.code}: ${failure.message}`);
      throw failure;
    }
  };
}
