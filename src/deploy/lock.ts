// One writer per app at a time across every worker process: sync, its rollback and prune (the
// deploy pipeline) and self-heal (reconcile) all take the same Redis lock of src/queue/lock.ts.
// The holder renews it while it runs, so a long health wait keeps it, and a worker that dies
// lets it expire after `ttlMs` instead of blocking the app forever. Losing the lock (Redis was
// down longer than the TTL, or a GC pause) aborts the run: another writer may have started.
// A sync waits for the lock (it must deploy its revision); a heal never waits: it is skipped and
// retried later (src/reconcile/process.ts), since a sync holding the lock changes the objects anyway.
import type { RedisClient } from "../queue/connection.ts";
import { AppError } from "../errors.ts";
import { redisLock, takeLock, type RedisLock } from "../queue/lock.ts";

export interface AppLockOptions {
  ttlMs: number;
  /** How long to wait for another writer of the same app (0: try once). */
  waitMs: number;
  retryMs?: number;
  signal?: AbortSignal;
  /**
   * Called once the lock is released. The UI shows an app whose lock is held as Syncing; the
   * last state write happens while it is held, so without this the page would keep "Syncing".
   */
  released?: () => Promise<unknown>;
}

/** True while some worker holds the app's lock (the API shows the app as Syncing). */
export async function isLocked(redis: RedisClient, key: string): Promise<boolean> {
  return (await redis.exists(key)) === 1;
}

/** isLocked of many locks in one round trip (one MGET: a held lock has a value), in the order asked. */
export async function areLocked(redis: RedisClient, keys: readonly string[]): Promise<boolean[]> {
  if (keys.length === 0) return [];
  return (await redis.mget([...keys])).map((token) => token !== null);
}

/**
 * Runs `critical` while holding the lock. Its signal aborts when the caller's does or when the
 * lock is lost.
 */
export async function withAppLock<T>(
  redis: RedisClient,
  key: string,
  options: AppLockOptions,
  critical: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const lock = redisLock(redis, key, options.ttlMs);
  await takeLock(lock, {
    waitMs: options.waitMs,
    retryMs: () => options.retryMs ?? 250,
    ...(options.signal ? { signal: options.signal } : {}),
    timeout: () =>
      new AppError("QUEUE_UNAVAILABLE", "another writer of this app is still running", { retryable: true }),
  });
  return holding(lock, options, critical);
}

/**
 * Runs `critical` only if the lock is free right now; `{ taken: true }` without running it when
 * another writer holds it.
 */
export async function ifAppLockFree<T>(
  redis: RedisClient,
  key: string,
  options: Omit<AppLockOptions, "waitMs" | "retryMs">,
  critical: (signal: AbortSignal) => Promise<T>,
): Promise<{ taken: true } | { taken: false; value: T }> {
  const lock = redisLock(redis, key, options.ttlMs);
  if (!(await lock.take())) return { taken: true };
  return { taken: false, value: await holding(lock, options, critical) };
}

async function holding<T>(
  lock: RedisLock,
  options: Pick<AppLockOptions, "ttlMs" | "signal" | "released">,
  critical: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const lost = new AbortController();
  const renew = async () => {
    // A Redis error is not proof of loss: keep running and try again next round.
    const kept = await lock.renew().catch(() => true);
    if (!kept) lost.abort(new AppError("SYNC_FAILED", "the app's lock was lost", { retryable: true }));
  };
  const timer = setInterval(() => void renew(), Math.max(50, Math.floor(options.ttlMs / 3)));
  const signal = options.signal ? AbortSignal.any([options.signal, lost.signal]) : lost.signal;
  try {
    return await critical(signal);
  } finally {
    clearInterval(timer);
    await lock.release().catch(() => undefined);
    await options.released?.().catch(() => undefined);
  }
}
