// Redis connections. Two roles with opposite needs:
// - "receiver": the webhook route must answer a forge within its 10-second limit
//   (https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks), so
//   commands fail at once while Redis is unreachable (no offline queue, short timeouts) and the
//   forge gets a 503 it can redeliver later.
// - "worker": BullMQ's blocking commands need maxRetriesPerRequest: null and must wait out an
//   outage instead of failing jobs.
//
// Where and how to connect comes from ferry.yaml's `redis` (RedisConfig), in one of three
// topologies, all through ioredis' own support: one server (`url`, redis:// or rediss:// for
// TLS), Sentinel (`sentinel`: ioredis asks the sentinels for the master and asks again after a
// failover) or Cluster (`cluster`: an ioredis Cluster, which follows MOVED/ASK and failovers).
// An ACL user and password (overriding the URL's), and for TLS a CA bundle, a client
// certificate and a server name apply to each.
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import type { RedisConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { withDeadline } from "./deadline.ts";

/** Where and how to connect: ferry.yaml's `redis` without the key prefix. */
export type RedisConnection = Pick<RedisConfig, "url" | "username" | "password" | "tls"> &
  Partial<Pick<RedisConfig, "sentinel" | "cluster">>;

/** A connection to any of the three topologies; both classes carry the same commands. */
export type RedisClient = Redis | Cluster;

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

// After a Sentinel failover the old master may come back as a replica while a connection still
// points at it: writes then fail with READONLY. Reconnecting asks the sentinels again, and the
// failed command is resent to the new master (2).
const reconnectOnReadOnly: RedisOptions["reconnectOnError"] = (error) =>
  error.message.startsWith("READONLY") ? 2 : false;

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

/** `host:port` (validated by the schema) as ioredis wants it. */
function node(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(":");
  return { host: address.slice(0, colon).replace(/^\[|\]$/g, ""), port: Number(address.slice(colon + 1)) };
}

/** ioredis options for a RedisConfig: the URL's parts (or the sentinels), the credentials, TLS. */
export function redisOptions(config: RedisConnection): RedisOptions {
  if (config.sentinel) {
    const { sentinel } = config;
    return {
      sentinels: sentinel.nodes.map(node),
      name: sentinel.masterName,
      ...(sentinel.username === undefined ? {} : { sentinelUsername: sentinel.username }),
      ...(sentinel.password === undefined ? {} : { sentinelPassword: sentinel.password }),
      ...(config.username === undefined ? {} : { username: config.username }),
      ...(config.password === undefined ? {} : { password: config.password }),
      ...(config.tls
        ? { tls: tlsOptions(config.tls), sentinelTLS: tlsOptions(config.tls), enableTLSForSentinelMode: true }
        : {}),
      reconnectOnError: reconnectOnReadOnly,
    };
  }
  if (config.cluster) {
    return {
      ...(config.username === undefined ? {} : { username: config.username }),
      ...(config.password === undefined ? {} : { password: config.password }),
      ...(config.tls ? { tls: tlsOptions(config.tls) } : {}),
    };
  }
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

/**
 * Cluster options from the same role options: what concerns the whole cluster (offline queue,
 * retries of the cluster connection, lazy connect, pipelining) goes to the Cluster, the rest to
 * each node's connection.
 */
function clusterOptions(nodeOptions: RedisOptions, options: RedisOptions): ClusterOptions {
  const { retryStrategy, enableOfflineQueue, lazyConnect, enableAutoPipelining, ...perNode } = options;
  return {
    redisOptions: { ...nodeOptions, ...perNode },
    ...(retryStrategy === undefined ? {} : { clusterRetryStrategy: retryStrategy }),
    ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
    ...(lazyConnect === undefined ? {} : { lazyConnect }),
    ...(enableAutoPipelining === undefined ? {} : { enableAutoPipelining }),
    // Every key of a prefix is in one slot (src/keys.ts): all traffic goes to its master.
    scaleReads: "master",
  };
}

export function createRedis(
  target: string | RedisConnection,
  role: ConnectionRole,
  extra: RedisOptions = {},
): RedisClient {
  const base = role === "receiver" ? receiverOptions : workerOptions;
  const config = typeof target === "string" ? { url: target } : target;
  if (config.cluster) {
    return new Cluster(
      config.cluster.nodes.map(node),
      clusterOptions(redisOptions(config), { ...base, ...extra }),
    );
  }
  return new Redis({ ...redisOptions(config), ...base, ...extra });
}

/** A new connection with the same options but `overrides` (the union's two duplicate() differ in signature). */
export function duplicateRedis(
  redis: RedisClient,
  overrides: Pick<RedisOptions, "enableAutoPipelining"> = {},
): RedisClient {
  return redis instanceof Cluster ? redis.duplicate(undefined, overrides) : redis.duplicate(overrides);
}

/** PING with its own deadline: readiness must answer even when Redis hangs. */
export function pingRedis(redis: RedisClient, timeoutMs = 1_000): Promise<boolean> {
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
export async function whenReady(redis: RedisClient): Promise<void> {
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
