// GET /api/apps and GET /api/apps/:name (README.md): sync state, health, applied revision,
// drift and the last deployments of each configured app, as JSON. Read-only and Redis-only.
import { Router } from "express";
import type { RedisClient } from "../queue/connection.ts";
import type { FerryConfig } from "../config/schema.ts";
import { readDetail, readOverviews } from "../status/overview.ts";
import { AppError } from "../errors.ts";

export interface ApiDeps {
  config: FerryConfig;
  redis: RedisClient;
}

export function apiRoutes(deps: ApiDeps): Router {
  const router = Router();
  const source = { redis: deps.redis, prefix: deps.config.redis.prefix };
  router.get("/api/apps", async (_req, res) => {
    res.set("Cache-Control", "no-store").json({ apps: await readOverviews(source, deps.config.apps) });
  });
  router.get("/api/apps/:name", async (req, res) => {
    const app = deps.config.apps.find((candidate) => candidate.name === req.params.name);
    if (!app) throw new AppError("NOT_FOUND", "no such app");
    res.set("Cache-Control", "no-store").json(await readDetail(source, app));
  });
  return router;
}
