// One sync per app at a time across every worker process: a Redis lock (SET NX PX) that the
// holder renews while it runs, so a long health wait keeps it, and a worker that dies lets it
// expire after `ttlMs` instead of blocking the app forever. Losing the lock (Redis was down
// longer than the TTL, or a GC pause) aborts the run: another worker may have started.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { AppError } from "../errors.ts";

const renewScript = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`;
const releaseScript = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

export interface AppLockOptions {
  ttlMs: number;
  /** How long to wait for a sync of the same app that another worker is running. */
  waitMs: number;
  retryMs?: number;
  signal?: AbortSignal;
}

export function appLockKey(prefix: string | undefined, app: string): string {
  return `${prefix ?? "ferry"}:deploy:${app}:lock`;
}

/** True while some worker holds the app's lock (the API shows the app as Syncing). */
export async function isLocked(redis: Redis, key: string): Promise<boolean> {
  return (await redis.exists(key)) === 1;
}

async function acquire(redis: Redis, key: string, token: string, options: AppLockOptions): Promise<void> {
  const deadline = Date.now() + options.waitMs;
  while ((await redis.set(key, token, "PX", options.ttlMs, "NX")) !== "OK") {
    if (Date.now() > deadline)
      throw new AppError("QUEUE_UNAVAILABLE", "another sync of this app is still running", {
        retryable: true,
      });
    await sleep(options.retryMs ?? 250, undefined, options.signal ? { signal: options.signal } : {});
  }
}

/**
 * Runs `critical` while holding the lock. Its signal aborts when the caller's does or when the
 * lock is lost.
 */
export async function withAppLock<T>(
  redis: Redis,
  key: string,
  options: AppLockOptions,
  critical: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const token = randomUUID();
  await acquire(redis, key, token, options);
  const lost = new AbortController();
  const renew = async () => {
    const kept = await redis.eval(renewScript, 1, key, token, String(options.ttlMs)).catch(() => 1);
    if (kept === 0)
      lost.abort(new AppError("SYNC_FAILED", "the app's sync lock was lost", { retryable: true }));
  };
  const timer = setInterval(() => void renew(), Math.max(50, Math.floor(options.ttlMs / 3)));
  const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
  try {
    return await critical(signal);
  } finally {
    clearInterval(timer);
    await redis.eval(releaseScript, 1, key, token).catch(() => undefined);
  }
}
