import { UnrecoverableError, type Job } from "bullmq";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors.ts";
import type { Runtime } from "../../../src/runtime/context.ts";
import { createPreviewProcessor } from "../../../workers/preview.ts";

const validJob = {
  forge: "github",
  repo: "acme/deploy",
  number: 1,
  headSha: "a".repeat(40),
  headRef: "feature",
  baseRef: "main",
  isFork: false,
  apps: ["web"],
  deliveryId: "d-1",
};

function jobOf(data: unknown): Job {
  return { data, attemptsMade: 0, opts: { attempts: 5 } } as unknown as Job;
}

// Only what the processor reaches before the pipeline fails; nothing else may be touched.
const runtime = {
  registry: new Registry(),
  app: (name: string) => {
    throw new AppError("NOT_FOUND", `app "${name}" is not configured`);
  },
} as unknown as Runtime;

describe("preview processor", () => {
  it("refuses job data that does not match the schema, without retries", async () => {
    const process = createPreviewProcessor(runtime);
    await expect(process(jobOf({ ...validJob, number: "one" }))).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(process(jobOf({ ...validJob, apps: [] }))).rejects.toBeInstanceOf(UnrecoverableError);
  });

  it("turns a permanent failure into an UnrecoverableError that names the code", async () => {
    const process = createPreviewProcessor(runtime);
    const error = await process(jobOf(validJob)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnrecoverableError);
    expect((error as Error).message).toMatch(/^CONFIG_INVALID: none of the apps web is configured/);
  });
});
