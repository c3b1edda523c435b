// A lease in Redis for a role only one process may hold (the watcher): SET NX PX to take it,
// compare-and-PEXPIRE to renew, compare-and-DEL to hand it back. A holder that dies simply
// stops renewing, and another process takes the role once the lease expires.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";

const renewScript = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) else return 0 end`;
const releaseScript = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

export interface Lease {
  readonly token: string;
  /** Takes the lease when free, renews it when held; false when someone else holds it. */
  hold(): Promise<boolean>;
  release(): Promise<void>;
}

export function createLease(redis: Redis, key: string, ttlMs: number, token: string = randomUUID()): Lease {
  let held = false;
  return {
    token,
    async hold() {
      if (held) {
        held = (await redis.eval(renewScript, 1, key, token, String(ttlMs))) === 1;
        if (held) return true;
      }
      held = (await redis.set(key, token, "PX", ttlMs, "NX")) === "OK";
      return held;
    },
    async release() {
      held = false;
      await redis.eval(releaseScript, 1, key, token);
    },
  };
}
