// Redis connections. Two roles with opposite needs:
// - "receiver": the webhook route must answer a forge within its 10-second limit
//   (https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks), so
//   commands fail at once while Redis is unreachable (no offline queue, short timeouts) and the
//   forge gets a 503 it can redeliver later.
// - "worker": BullMQ's blocking commands need maxRetriesPerRequest: null and must wait out an
//   outage instead of failing jobs.
//
// Where and how to connect comes from ferry.yaml's `redis` (RedisConfig): the URL (redis:// or
// rediss:// for TLS), an ACL user and password that override the URL's, and for TLS a CA
// bundle, a client certificate and a server name.
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { Redis, type RedisOptions } from "ioredis";
import type { RedisConfig } from "../config/schema.ts";

/** Where and how to connect: ferry.yaml's `redis` without the key prefix. */
export type RedisConnection = Pick<RedisConfig, "url" | "username" | "password" | "tls">;
import { AppError } from "../errors.ts";
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

function pem(path: string, field: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    throw new AppError("CONFIG_INVALID", `redis.tls.${field}: cannot read ${path} (${code})`, {
      cause: error,
    });
  }
}

function tlsOptions(tls: RedisConnection["tls"] = {}): ConnectionOptions {
  return {
    ...(tls.ca ? { ca: pem(tls.ca, "ca") } : {}),
    ...(tls.cert ? { cert: pem(tls.cert, "cert") } : {}),
    ...(tls.key ? { key: pem(tls.key, "key") } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}

/** ioredis options for a RedisConfig: the URL's parts, the config's credentials, TLS. */
export function redisOptions(config: RedisConnection): RedisOptions {
  const url = new URL(config.url);
  const decoded = (part: string) => (part === "" ? undefined : decodeURIComponent(part));
  const username = config.username ?? decoded(url.username);
  const password = config.password ?? decoded(url.password);
  const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port === "" ? 6379 : Number(url.port),
    db,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(url.protocol === "rediss:" ? { tls: tlsOptions(config.tls) } : {}),
  };
}

export function createRedis(
  target: string | RedisConnection,
  role: ConnectionRole,
  extra: RedisOptions = {},
): Redis {
  const base = role === "receiver" ? receiverOptions : workerOptions;
  const config = typeof target === "string" ? { url: target } : target;
  return new Redis({ ...redisOptions(config), ...base, ...extra });
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
