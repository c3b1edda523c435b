// createApp(deps): the express application. Everything it needs is passed in, so tests build
// it against their own Redis, queues, logger and metrics registry.
import express, { type RequestHandler } from "express";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import type { FerryConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import { pingRedis } from "../queue/connection.ts";
import { apiRoutes } from "./api.ts";
import { errorMiddleware, notFound, outcomeFor } from "./errors.ts";
import { webhookMetrics, type WebhookMetrics } from "./metrics.ts";
import { previewRoutes } from "./previews.ts";
import {
  readRawBody,
  requireWebhookContentType,
  webhookHandler,
  type WebhookEnqueuer,
} from "./webhook-route.ts";

export interface AppDeps {
  config: FerryConfig;
  enqueuer: WebhookEnqueuer;
  /** Checked by /readyz. */
  redis: Redis;
  logger: Logger;
  registry: Registry;
  queueTimeoutMs?: number;
  /** Prefix of Ferry's Redis keys read by /api (locks, reconcile status); default "ferry". */
  keyPrefix?: string;
}

/** Ferry refuses to receive webhooks it cannot authenticate, unless told it is a demo. */
export function assertForgeSecrets(config: FerryConfig): void {
  const unsigned = config.forges.filter((forge) => !forge.webhookSecret && !forge.insecureAcceptUnsigned);
  if (unsigned.length > 0) {
    throw new AppError(
      "CONFIG_INVALID",
      `forges without webhookSecret: ${unsigned.map((forge) => forge.name).join(", ")} (set insecureAcceptUnsigned: true only for local demos)`,
    );
  }
}

function recordWebhook(metrics: WebhookMetrics): RequestHandler {
  return (_req, res, next) => {
    const started = process.hrtime.bigint();
    res.once("finish", () => {
      const outcome = String(res.locals.outcome ?? (res.statusCode >= 500 ? "error" : "refused"));
      const forge = String(res.locals.forge ?? "unknown");
      // The event label is only set after verification, so strangers cannot mint labels.
      metrics.deliveries.inc({ forge, event: String(res.locals.event ?? "unverified"), outcome });
      metrics.latency.observe({ forge, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}

export function createApp(deps: AppDeps): express.Express {
  assertForgeSecrets(deps.config);
  const metrics = webhookMetrics(deps.registry);
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.post(
    "/webhooks/:forgeName",
    recordWebhook(metrics),
    requireWebhookContentType(),
    readRawBody,
    webhookHandler(deps),
  );
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    if (await pingRedis(deps.redis)) {
      res.json({ status: "ready" });
      return;
    }
    throw new AppError("QUEUE_UNAVAILABLE", "Redis does not answer PING");
  });
  app.get("/metrics", async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  app.use(previewRoutes(deps.redis));
  app.use(
    apiRoutes({
      config: deps.config,
      redis: deps.redis,
      ...(deps.keyPrefix === undefined ? {} : { prefix: deps.keyPrefix }),
    }),
  );
  app.use(notFound);
  app.use(errorMiddleware(deps.logger));
  return app;
}

export { outcomeFor };
