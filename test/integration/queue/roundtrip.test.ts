import { randomUUID } from "node:crypto";
import { Queue, QueueEvents, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterEach, describe, expect, inject, it } from "vitest";

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe("BullMQ on the harness's Redis", () => {
  it("processes a job in a Worker and returns its value", async () => {
    const name = `roundtrip-${randomUUID()}`;
    const connection = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
    closers.push(() => connection.quit());
    const queue = new Queue(name, { connection });
    const events = new QueueEvents(name, { connection: connection.duplicate() });
    const worker = new Worker(
      name,
      (job) => Promise.resolve({ doubled: (job.data as { n: number }).n * 2, id: job.id }),
      {
        connection: connection.duplicate({ maxRetriesPerRequest: null }),
      },
    );
    closers.push(
      () => queue.close(),
      () => events.close(),
      () => worker.close(),
    );
    await events.waitUntilReady();

    const job = await queue.add("double", { n: 21 }, { jobId: "fixed-id" });
    const result: unknown = await job.waitUntilFinished(events, 15_000);

    expect(result).toEqual({ doubled: 42, id: "fixed-id" });
    expect(await queue.getJobCounts("completed")).toEqual({ completed: 1 });
  });
});
