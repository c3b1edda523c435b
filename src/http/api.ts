// GET /api/apps and GET /api/apps/:name (README.md): sync state, health, applied revision,
// drift and the last deployments of each app its reader may read, as JSON. Read-only and
// Redis-only. Who may read is the web UI's rule (ui/auth/index.ts requireReader): anyone on a
// loopback server without OIDC, the signed-in user's readable apps with OIDC, nobody otherwise.
import { Router, type Response } from "express";
import type { RedisClient } from "../queue/connection.ts";
import type { FerryConfig } from "../config/schema.ts";
import { readDetail, readOverviews } from "../status/overview.ts";
import { sessionOf, type UiAuth } from "../ui/auth/index.ts";
import { readableApp, readableApps } from "../ui/auth/roles.ts";

export interface ApiDeps {
  config: FerryConfig;
  redis: RedisClient;
  auth: Pick<UiAuth, "requireReader">;
}

export function apiRoutes(deps: ApiDeps): Router {
  const router = Router();
  const source = { redis: deps.redis, prefix: deps.config.redis.prefix };
  const noStore = (res: Response) => res.set("Cache-Control", "no-store");
  router.get("/api/apps", deps.auth.requireReader, async (_req, res) => {
    noStore(res).json({ apps: await readOverviews(source, readableApps(deps.config, sessionOf(res))) });
  });
  router.get("/api/apps/:name", deps.auth.requireReader, async (req, res) => {
    const { app } = readableApp(deps.config, sessionOf(res), req.params.name);
    noStore(res).json(await readDetail(source, app));
  });
  return router;
}
