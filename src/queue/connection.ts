// Redis connections. Two roles with opposite needs:
// - "receiver": the webhook route must answer a forge within its 10-second limit
//   (https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks), so
//   commands fail at once while Redis is unreachable (no offline queue, short timeouts) and the
//   forge gets a 503 it can redeliver later.
// - "worker": BullMQ's blocking commands need maxRetriesPerRequest: null and must wait out an
//   outage instead of failing jobs.
import { Redis, type RedisOptions } from "ioredis";
import { withDeadline } from "./deadline.ts";

export type ConnectionRole = "receiver" | "worker";

const receiverOptions: RedisOptions = {
  // Each webhook sends two or three commands one after another (claim, BullMQ add, confirm);
  // with many deliveries in flight, the ones issued in the same tick go out in one write.
  // A socket write costs more than the command itself (a CPU profile of the webhook benchmark
  // spent about a quarter of the receiver's time in Redis socket writes before this).
  enableAutoPipelining: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  commandTimeout: 2_000,
  connectTimeout: 2_000,
  // Keep trying to come back, but never more than every two seconds.
  retryStrategy: (times) => Math.min(times * 100, 2_000),
};

const workerOptions: RedisOptions = {
  maxRetriesPerRequest: null,
  retryStrategy: (times) => Math.min(times * 200, 5_000),
};

export function createRedis(url: string, role: ConnectionRole, extra: RedisOptions = {}): Redis {
  const base = role === "receiver" ? receiverOptions : workerOptions;
  return new Redis(url, { ...base, ...extra });
}

/** PING with its own deadline: readiness must answer even when Redis hangs. */
export function pingRedis(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  return withDeadline("ping", timeoutMs, () => redis.ping()).then(
    (answer) => answer === "PONG",
    () => false,
  );
}

/**
 * Waits for a connection that is still being set up; fails at once for one that lost Redis.
 * Without an offline queue, a command sent while connecting fails, and the first webhooks after
 * start-up would get a 503 for nothing.
 */
export async function whenReady(redis: Redis): Promise<void> {
  if (redis.status === "ready") return;
  if (redis.status === "wait") {
    await redis.connect();
    return;
  }
  if (redis.status !== "connecting" && redis.status !== "connect") {
    throw new Error(`Redis connection is ${redis.status}`);
  }
  await new Promise<void>((resolve, reject) => {
    const onReady = () => {
      redis.off("close", onClose);
      resolve();
    };
    const onClose = () => {
      redis.off("ready", onReady);
      reject(new Error("Redis connection closed"));
    };
    redis.once("ready", onReady);
    redis.once("close", onClose);
  });
}
