// What every queue's processor does around its pipeline: validate the payload, tell the
// pipeline whether this is the last attempt, and hand BullMQ a failure it retries only when
// the error's code says another attempt can help.
import { UnrecoverableError, type Job } from "bullmq";
import type { z } from "zod";
import { toAppError } from "../src/errors.ts";

/** The job's payload, or an UnrecoverableError: a malformed job never gets better by retrying. */
export function parseJob<T>(schema: z.ZodType<T>, job: Job, queue: string): T {
  const parsed = schema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid ${queue} job: ${parsed.error.message}`);
  return parsed.data;
}

export function isFinalAttempt(job: Job): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/** Retryable AppErrors as they are; anything else ends the job with its code in the reason. */
export function jobFailure(error: unknown): Error {
  const failure = toAppError(error);
  return failure.retryable ? failure : new UnrecoverableError(`${failure.code}: ${failure.message}`);
}
