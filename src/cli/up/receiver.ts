// The webhook receiver as a start/stop pair, shared by `ferry serve` and `ferry up`. It owns a
// receiver-role Redis connection (fails fast, so forges get a 503 in time) and its enqueuer.
import type { Server } from "node:http";
import type { Registry } from "prom-client";
import type { FerryConfig } from "../../config/schema.ts";
import { createApp, type AppDeps } from "../../http/app.ts";
import { closeServer, listen } from "../../http/server.ts";
import type { Logger } from "../../observability/logger.ts";
import { createRedis, whenReady } from "../../queue/connection.ts";
import { createEnqueuer } from "../../queue/enqueue.ts";
import { checkEvictionPolicy } from "../../queue/eviction.ts";
import { queueDepthMetric } from "../../queue/metrics.ts";

export interface RunningReceiver {
  server: Server;
  port: number;
  stop(): Promise<void>;
}

export async function startReceiver(
  config: FerryConfig,
  options: { logger: Logger; registry: Registry; kubeFor?: AppDeps["kubeFor"] },
): Promise<RunningReceiver> {
  const { logger, registry } = options;
  const redis = createRedis(config.redis, "receiver");
  // ioredis reports every failed reconnect; /readyz and 503s already say Redis is down.
  redis.on("error", (error: Error) => logger.debug({ reason: error.message }, "redis connection error"));
  // Refuses a Redis that may evict; one not reachable yet is only warned about (the workers,
  // which wait for Redis, check it again when they start).
  const reachable = await whenReady(redis).then(
    () => true,
    (error: unknown) => {
      logger.warn(
        { reason: String(error) },
        "Redis is not reachable yet: its maxmemory-policy is not checked",
      );
      return false;
    },
  );
  if (reachable) {
    await checkEvictionPolicy(redis, logger).catch((error: unknown) => {
      redis.disconnect();
      throw error;
    });
  }
  const enqueuer = createEnqueuer(redis, { prefix: config.redis.prefix });
  queueDepthMetric(registry, enqueuer.queues);
  const shutdown = new AbortController();
  const app = createApp({
    shutdown: shutdown.signal,
    config,
    enqueuer,
    redis,
    logger,
    registry,
    ...(options.kubeFor ? { kubeFor: options.kubeFor } : {}),
  });
  const server = await listen(app, config.server.port, config.server.host, {
    maxConnections: config.server.maxConnections,
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.server.port;
  logger.info({ port, host: config.server.host }, "receiver listening");
  return {
    server,
    port,
    stop: async () => {
      shutdown.abort();
      await closeServer(server);
      await enqueuer.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
