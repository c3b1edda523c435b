import { startPrivateRedis, type PrivateRedis } from "../../src/cli/up/redis.ts";

export type TestRedis = PrivateRedis;

/** Starts a private redis-server on a free loopback port (or the given one) with persistence off. */
export function startRedis(port?: number): Promise<TestRedis> {
  return startPrivateRedis(port === undefined ? {} : { port });
}
