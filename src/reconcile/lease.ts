// A lease in Redis for a role only one process may hold (the watcher), on the shared Redis lock
// of src/queue/lock.ts. A holder that dies simply stops renewing, and another process takes the
// role once the lease expires.
import type { RedisClient } from "../queue/connection.ts";
import { redisLock } from "../queue/lock.ts";

export interface Lease {
  readonly token: string;
  /** Takes the lease when free, renews it when held; false when someone else holds it. */
  hold(): Promise<boolean>;
  release(): Promise<void>;
}

export function createLease(redis: RedisClient, key: string, ttlMs: number, token?: string): Lease {
  const lock = redisLock(redis, key, ttlMs, token);
  let held = false;
  return {
    token: lock.token,
    async hold() {
      if (held) {
        held = await lock.renew();
        if (held) return true;
      }
      held = await lock.take();
      return held;
    },
    async release() {
      held = false;
      await lock.release();
    },
  };
}
