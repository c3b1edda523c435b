// createApp(deps): the express application. Everything it needs is passed in, so tests build
// it against their own Redis, queues, logger and metrics registry.
import type { RequestListener } from "node:http";
import express, { type RequestHandler } from "express";
import type { Registry } from "prom-client";
import type { FerryConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import { pingRedis, type RedisClient } from "../queue/connection.ts";
import { apiRoutes } from "./api.ts";
import { errorMiddleware, notFound } from "./errors.ts";
import { withLeanWebhooks } from "./listener.ts";
import { bodyBytesMetric, recordOnFinish, webhookMetrics, type WebhookMetrics } from "./metrics.ts";
import { previewRoutes } from "./previews.ts";
import { BodyBudget } from "./intake.ts";
import { uiRoutes, type UiDeps } from "../ui/routes.ts";
import { uiAuth } from "../ui/auth/index.ts";
import { webhookHandler, type WebhookEnqueuer, type WebhookRouteDeps } from "./webhook-route.ts";

export interface AppDeps {
  config: FerryConfig;
  enqueuer: WebhookEnqueuer;
  /** Checked by /readyz. */
  redis: RedisClient;
  logger: Logger;
  registry: Registry;
  queueTimeoutMs?: number;
  /** Cluster clients for the UI's live objects; only `ferry up` has cluster credentials. */
  kubeFor?: UiDeps["kubeFor"];
  /** Aborted when the server stops (the UI's event streams end then). */
  shutdown?: AbortSignal;
}

/** Ferry refuses to receive webhooks it cannot authenticate, unless told it is a demo. */
function assertForgeSecrets(config: FerryConfig): void {
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
    recordOnFinish(metrics, res, res.locals);
    next();
  };
}

/**
 * The receiver's request listener: plain webhook POSTs take the lean path (listener.ts),
 * everything else, including unusual webhook URLs, the express app.
 */
export function createApp(deps: AppDeps): RequestListener {
  assertForgeSecrets(deps.config);
  const metrics = webhookMetrics(deps.registry);
  const webhooks: WebhookRouteDeps = {
    ...deps,
    bodies: new BodyBudget(deps.config.server.maxBodyBytesInFlight),
  };
  bodyBytesMetric(deps.registry, webhooks.bodies);
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.post("/webhooks/:forgeName", recordWebhook(metrics), webhookHandler(webhooks));
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
  app.use(previewRoutes(deps.redis, deps.config.redis.prefix));
  // One sign-in for the pages and the API that shows the same state.
  const auth = uiAuth(deps.config);
  app.use(apiRoutes({ config: deps.config, redis: deps.redis, auth }));
  app.use(uiRoutes({ ...deps, auth }));
  app.use(notFound);
  app.use(errorMiddleware(deps.logger));
  return withLeanWebhooks(app, webhooks, metrics);
}
