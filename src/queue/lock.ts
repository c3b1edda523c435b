// The one Redis lock mechanism Ferry uses: SET NX PX to take a key, compare-and-PEXPIRE to
// renew it, compare-and-DEL to give it back, so a holder only ever touches its own token and a
// holder that dies lets the key expire. Three users build on it: the short preview lock below
// (two deliveries for the same change request must not interleave their remove-and-add of the
// pending preview), the renewed per-app sync lock (src/deploy/lock.ts) and the watcher lease
// (src/reconcile/watcher-roles.ts).
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { RedisClient } from "./connection.ts";
import { AppError } from "../errors.ts";

const renewScript = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`;
const releaseScript = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

export interface RedisLock {
  readonly token: string;
  /** SET NX PX: true when this call took the key. */
  take(): Promise<boolean>;
  /** Extends the key's life; false when it is no longer ours (expired, or someone else's). */
  renew(): Promise<boolean>;
  /** Deletes the key if it is still ours. */
  release(): Promise<void>;
}

export function redisLock(
  redis: RedisClient,
  key: string,
  ttlMs: number,
  token: string = randomUUID(),
): RedisLock {
  return {
    token,
    take: async () => (await redis.set(key, token, "PX", ttlMs, "NX")) === "OK",
    renew: async () => (await redis.eval(renewScript, 1, key, token, String(ttlMs))) === 1,
    release: async () => {
      await redis.eval(releaseScript, 1, key, token);
    },
  };
}

export interface TakeOptions {
  waitMs: number;
  /** Pause between attempts. */
  retryMs: () => number;
  signal?: AbortSignal;
  /** The error thrown once `waitMs` has passed without taking the lock. */
  timeout: () => AppError;
}

/** Retries `take` until it succeeds or `waitMs` has passed. */
export async function takeLock(lock: RedisLock, options: TakeOptions): Promise<void> {
  const deadline = Date.now() + options.waitMs;
  while (!(await lock.take())) {
    if (Date.now() > deadline) throw options.timeout();
    await sleep(options.retryMs(), undefined, options.signal ? { signal: options.signal } : {});
  }
}

export async function withRedisLock<T>(
  redis: RedisClient,
  key: string,
  options: { ttlMs: number; waitMs: number },
  critical: () => Promise<T>,
): Promise<T> {
  const lock = redisLock(redis, key, options.ttlMs);
  await takeLock(lock, {
    waitMs: options.waitMs,
    retryMs: () => 5 + Math.random() * 20,
    timeout: () => new AppError("QUEUE_UNAVAILABLE", "timed out waiting for a queue lock"),
  });
  try {
    return await critical();
  } finally {
    await lock.release().catch(() => undefined);
  }
}
