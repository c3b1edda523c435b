// The per-app deploy lock on a real Redis: one holder at a time, renewed past its TTL while
// the holder runs, released afterwards (then `released` is told, for the UI's Syncing), and a
// waiter that gives up with a retryable error.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, inject, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import { ifAppLockFree, isLocked, withAppLock } from "../../../src/deploy/lock.ts";
import { deployLockKey } from "../../../src/keys.ts";

const redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 1 });
const keys: string[] = [];
afterEach(async () => {
  if (keys.length > 0) await redis.del(...keys.splice(0));
});

function freshKey(): string {
  const key = deployLockKey(`t-${randomUUID()}`, "web");
  keys.push(key);
  return key;
}

describe("withAppLock", () => {
  it("runs one holder at a time and keeps the lock past its TTL while the holder runs", async () => {
    const key = freshKey();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = withAppLock(redis, key, { ttlMs: 150, waitMs: 5_000, retryMs: 10 }, async () => {
      order.push("first:start");
      await gate;
      order.push("first:end");
    });
    await expect.poll(() => isLocked(redis, key)).toBe(true);
    const second = withAppLock(redis, key, { ttlMs: 150, waitMs: 5_000, retryMs: 10 }, () => {
      order.push("second");
      return Promise.resolve();
    });
    // Several TTLs pass: only renewal keeps the second caller out.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(order).toEqual(["first:start"]);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(["first:start", "first:end", "second"]);
    expect(await isLocked(redis, key)).toBe(false);
  });

  it("gives up waiting with a retryable error", async () => {
    const key = freshKey();
    await redis.set(key, "someone-else", "PX", 10_000);
    const waiting = withAppLock(redis, key, { ttlMs: 1_000, waitMs: 100, retryMs: 10 }, () =>
      Promise.resolve("ran"),
    );
    const error: unknown = await waiting.catch((thrown: unknown) => thrown);
    expect(isAppError(error, "QUEUE_UNAVAILABLE") && error.retryable).toBe(true);
    expect(await redis.get(key)).toBe("someone-else");
  });

  it("aborts the holder's signal when the lock is lost", async () => {
    const key = freshKey();
    const aborted = await withAppLock(redis, key, { ttlMs: 90, waitMs: 1_000 }, async (signal) => {
      await redis.set(key, "stolen");
      await expect.poll(() => signal.aborted, { timeout: 2_000 }).toBe(true);
      return signal.aborted;
    });
    expect(aborted).toBe(true);
    expect(await redis.get(key)).toBe("stolen");
  });

  it("calls released once the lock is gone, also when the holder failed", async () => {
    const key = freshKey();
    const seen: boolean[] = [];
    const released = async () => {
      seen.push(await isLocked(redis, key));
    };
    await withAppLock(redis, key, { ttlMs: 1_000, waitMs: 1_000, released }, () => Promise.resolve());
    const failed = await withAppLock(redis, key, { ttlMs: 1_000, waitMs: 1_000, released }, () =>
      Promise.reject(new Error("deploy failed")),
    ).catch((error: unknown) => error);
    expect(failed).toEqual(new Error("deploy failed"));
    const free = await ifAppLockFree(redis, key, { ttlMs: 1_000, released }, () => Promise.resolve("healed"));
    expect(free).toEqual({ taken: false, value: "healed" });
    expect(seen).toEqual([false, false, false]);
    // A lock someone else holds is not taken, so there is nothing to announce.
    await redis.set(key, "someone-else", "PX", 10_000);
    expect(await ifAppLockFree(redis, key, { ttlMs: 1_000, released }, () => Promise.resolve())).toEqual({
      taken: true,
    });
    expect(seen).toHaveLength(3);
  });
});
