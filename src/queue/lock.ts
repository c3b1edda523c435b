// A short Redis lock (SET NX PX + compare-and-delete) so that two deliveries for the same
// change request cannot interleave their remove-and-add of the pending preview.
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { AppError } from "../errors.ts";

const releaseScript = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

export async function withRedisLock<T>(
  redis: Redis,
  key: string,
  options: { ttlMs: number; waitMs: number },
  critical: () => Promise<T>,
): Promise<T> {
  const token = randomUUID();
  const deadline = Date.now() + options.waitMs;
  while ((await redis.set(key, token, "PX", options.ttlMs, "NX")) !== "OK") {
    if (Date.now() > deadline) throw new AppError("QUEUE_UNAVAILABLE", "timed out waiting for a queue lock");
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
  }
  try {
    return await critical();
  } finally {
    await redis.eval(releaseScript, 1, key, token).catch(() => undefined);
  }
}
