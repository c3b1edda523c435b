// The worker's own small HTTP surface: liveness, readiness (Redis reachable) and the metrics
// of the jobs it runs (sync, preview, reconcile, render), which no receiver can see.
import express from "express";
import type { Registry } from "prom-client";
import { pingRedis, type RedisClient } from "../queue/connection.ts";

export function createWorkerApp(deps: { redis: RedisClient; registry: Registry }): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });
  app.get("/readyz", async (_req, res) => {
    const ready = await pingRedis(deps.redis);
    res.status(ready ? 200 : 503).json({ ready });
  });
  app.get("/metrics", async (_req, res) => {
    res.type(deps.registry.contentType).send(await deps.registry.metrics());
  });
  app.use((_req, res) => {
    res.status(404).json({ error: "NOT_FOUND", message: "not found" });
  });
  return app;
}
