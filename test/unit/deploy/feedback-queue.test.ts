import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { feedbackQueue } from "../../../src/deploy/feedback.ts";
import { createLogger } from "../../../src/observability/logger.ts";

function capturedLogger() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
  return { logger: createLogger({ level: "info", destination: stream }), lines };
}

/** A post that ends only when the test says so. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe("feedbackQueue", () => {
  it("returns at once and posts in order, each after the previous one ended", async () => {
    const { logger } = capturedLogger();
    const queue = feedbackQueue(logger);
    const slow = gate();
    const events: string[] = [];
    queue.post(async () => {
      events.push("pending started");
      await slow.opened;
      events.push("pending done");
    });
    queue.post(() => {
      events.push("final started");
      return Promise.resolve();
    });
    // post() did not wait: the deploy goes on while the pending status is still out.
    events.push("deploy goes on");
    await Promise.resolve();
    expect(events).toEqual(["deploy goes on", "pending started"]);
    slow.open();
    await queue.drained();
    expect(events).toEqual(["deploy goes on", "pending started", "pending done", "final started"]);
  });

  it("logs a failed post and still posts the next one", async () => {
    const { logger, lines } = capturedLogger();
    const queue = feedbackQueue(logger);
    const posted: string[] = [];
    queue.post(() => Promise.reject(new Error("forge answered 502")));
    queue.post(() => {
      posted.push("final");
      return Promise.resolve();
    });
    await expect(queue.drained()).resolves.toBeUndefined();
    expect(posted).toEqual(["final"]);
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; reason?: string });
    expect(logged).toContainEqual(
      expect.objectContaining({ msg: "deploy feedback not posted", reason: "forge answered 502" }),
    );
  });
});
