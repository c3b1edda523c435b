// `ferry serve --config F`: the webhook receiver and its probes, nothing else.
import type { Command } from "commander";
import { Registry, collectDefaultMetrics } from "prom-client";
import { loadConfigFile } from "../../config/load.ts";
import { createApp } from "../../http/app.ts";
import { closeServer, listen } from "../../http/server.ts";
import { createLogger } from "../../observability/logger.ts";
import { createRedis } from "../../queue/connection.ts";
import { createEnqueuer } from "../../queue/enqueue.ts";

export async function serve(configFile: string): Promise<void> {
  const config = await loadConfigFile(configFile);
  const logger = createLogger();
  const redis = createRedis(config.redis.url, "receiver");
  // ioredis reports every failed reconnect; /readyz and 503s already say Redis is down.
  redis.on("error", (error: Error) => logger.debug({ reason: error.message }, "redis connection error"));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const enqueuer = createEnqueuer(redis);
  const app = createApp({ config, enqueuer, redis, logger, registry });
  const server = await listen(app, config.server.port, config.server.host);
  logger.info({ port: config.server.port, host: config.server.host }, "ferry serve listening");

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, "shutting down");
      resolve();
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
  await closeServer(server);
  await enqueuer.close();
  await redis.quit().catch(() => redis.disconnect());
  logger.info("ferry serve stopped");
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("receive forge webhooks and enqueue preview and sync jobs")
    .requiredOption("--config <file>", "path to ferry.yaml")
    .action(async (options: { config: string }) => {
      await serve(options.config);
    });
}
