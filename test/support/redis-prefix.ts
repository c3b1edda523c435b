// A test's share of the run's Redis (started by global-setup.ts): its own connection and a key
// prefix no other test uses, so tests on one Redis never see each other's keys.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { keyPattern } from "../../src/keys.ts";
import { createRedis, type RedisClient } from "../../src/queue/connection.ts";

/** A worker-role connection to the run's Redis and a fresh key prefix. */
export function openTestRedis(): { redis: RedisClient; prefix: string } {
  return { redis: createRedis(inject("redisUrl"), "worker"), prefix: `t-${randomBytes(6).toString("hex")}` };
}

/** Deletes every key under `prefix`, then closes the connection. */
export async function closeTestRedis(redis: RedisClient, prefix: string): Promise<void> {
  const keys = await redis.keys(keyPattern(prefix));
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}
