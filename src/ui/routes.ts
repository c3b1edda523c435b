// GET /ui/…: the web UI (issue 18), server-rendered HTML that works without JavaScript;
// static/ui.js only adds live updates. `/` redirects here. The pages read what /api/apps reads
// (status/overview.ts) and, where this process can reach the clusters, the live objects.
// Who may see and act: auth/index.ts (sign-in), auth/roles.ts (roles), actions.ts (buttons).
import { readFileSync } from "node:fs";
import { Router, type Response } from "express";
import type { AppConfig, FerryConfig } from "../config/schema.ts";
import { readDetail, readOverviewPage } from "../status/overview.ts";
import { AppError } from "../errors.ts";
import { defaultHealthChecks } from "../health/registry.ts";
import type { HealthCheck } from "../health/types.ts";
import type { KubeClient } from "../kube/types.ts";
import type { Logger } from "../observability/logger.ts";
import { listCurrentPreviews } from "../preview/pages.ts";
import type { RedisClient } from "../queue/connection.ts";
import type { Enqueuer } from "../queue/enqueue.ts";
import { actionRoutes } from "./actions.ts";
import { sessionOf, uiAuth, type UiAuth } from "./auth/index.ts";
import { logoutRoute, oidcRoutes } from "./auth/oidc.ts";
import { readableApp, readableApps } from "./auth/roles.ts";
import { changeFeed } from "../state/changes.ts";
import { appBody } from "./app-page.ts";
import { eventsHandler } from "./events.ts";
import { appsBody, appsQuerySchema, overviewQuery } from "./apps-page.ts";
import { page, type PageFrame, type SafeHtml } from "./html.ts";
import { previewsBody } from "./previews-page.ts";
import { readResourceTree, type ResourceNode } from "./resource-tree.ts";

export interface UiDeps {
  config: FerryConfig;
  redis: RedisClient;
  logger: Logger;
  /** The actions' syncs and rollbacks are enqueued here. */
  enqueuer: Pick<Enqueuer, "enqueueSync">;
  /** The cluster client of an app; absent where the process has no cluster credentials. */
  kubeFor?: (app: AppConfig) => KubeClient;
  /** Aborted when the server stops: ends the live pages' event streams. */
  shutdown?: AbortSignal;
  /** Sign-in and sessions, shared with /api/apps (one key per process); made here when absent. */
  auth?: UiAuth;
}

/** Scripts, styles, images, fetches and event streams only from this server; no framing. */
export const UI_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const MAX_PREVIEWS = 500;

const staticFiles = new Map<string, { type: string; body: Buffer }>(
  (
    [
      ["ui.css", "text/css; charset=utf-8"],
      ["ui.js", "text/javascript; charset=utf-8"],
      // Browsers ask for an icon; without one each page logs a 404.
      ["favicon.svg", "image/svg+xml"],
    ] as const
  ).map(([name, type]) => [name, { type, body: readFileSync(new URL(`./static/${name}`, import.meta.url)) }]),
);

function sendPage(res: Response, frame: PageFrame, body: SafeHtml): void {
  res
    .status(200)
    .set({
      "Content-Security-Policy": UI_CSP,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "same-origin",
      "Cache-Control": "no-store",
    })
    .type("html")
    .send(page(frame, body));
}

export function uiRoutes(deps: UiDeps): Router {
  const router = Router();
  const source = { redis: deps.redis, prefix: deps.config.redis.prefix };
  const auth = deps.auth ?? uiAuth(deps.config);
  const frame = (title: string, section: PageFrame["section"], live: string, res: Response): PageFrame => {
    const session = sessionOf(res);
    return {
      title,
      section,
      live,
      ...(auth.notice !== undefined ? { notice: auth.notice } : {}),
      ...(auth.mode === "oidc" ? { user: { name: session.name, csrf: session.csrf } } : {}),
    };
  };
  /** The apps the signed-in user may read. */
  const readable = (res: Response): AppConfig[] => readableApps(deps.config, sessionOf(res));

  router.get("/", (_req, res) => res.redirect(302, "/ui/"));

  router.get("/ui/static/:file", (req, res) => {
    const file = staticFiles.get(req.params.file);
    if (!file) throw new AppError("NOT_FOUND", "no such file");
    res
      .set({ "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache" })
      .type(file.type)
      .send(file.body);
  });

  if (deps.config.ui.oidc) router.use(oidcRoutes(deps.config.ui.oidc, auth.cookies, deps.logger));
  router.use(logoutRoute(auth.cookies));
  router.use(actionRoutes(deps, auth));

  router.get("/ui/", auth.requireSession, async (req, res) => {
    const parsed = appsQuerySchema.safeParse(req.query);
    if (!parsed.success) {
      throw new AppError(
        "USAGE",
        `bad filter: ${parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ")}`,
      );
    }
    const query = parsed.data;
    const result = await readOverviewPage(source, readable(res), overviewQuery(query));
    sendPage(res, frame("Apps", "apps", "/ui/events", res), appsBody(deps.config, query, result));
  });

  // Where live objects can be read, they are judged by the workers' checks (built-ins and
  // ferry.yaml's health.rules), compiled once.
  const cluster = deps.kubeFor && {
    kubeFor: deps.kubeFor,
    checks: defaultHealthChecks(deps.config.health.rules),
  };
  router.get("/ui/apps/:name", auth.requireSession, async (req, res) => {
    const session = sessionOf(res);
    const { app, role } = readableApp(deps.config, session, req.params.name);
    const [detail, resources] = await Promise.all([readDetail(source, app), liveObjects(deps, cluster, app)]);
    sendPage(
      res,
      frame(app.name, "apps", `/ui/events?app=${encodeURIComponent(app.name)}`, res),
      appBody(deps.config, app, detail, resources, { role, csrf: session.csrf }),
    );
  });

  const feed = changeFeed(deps.redis, deps.config.redis.prefix);
  router.get(
    "/ui/events",
    auth.requireSession,
    eventsHandler({
      feed,
      readable,
      checkApp: (res, name) => readableApp(deps.config, sessionOf(res), name),
      shutdown: deps.shutdown,
    }),
  );

  router.get("/ui/previews", auth.requireSession, async (_req, res) => {
    const previews = await listCurrentPreviews(deps.redis, deps.config.redis.prefix, MAX_PREVIEWS);
    sendPage(res, frame("Previews", "previews", "/ui/events", res), previewsBody(readable(res), previews));
  });
  return router;
}

/** The tree, or a sentence saying why there is none; a cluster that fails never fails the page. */
async function liveObjects(
  deps: UiDeps,
  cluster: { kubeFor: (app: AppConfig) => KubeClient; checks: ReadonlyMap<string, HealthCheck> } | undefined,
  app: AppConfig,
): Promise<ResourceNode[] | string> {
  if (!cluster) return "This server has no cluster credentials (ferry serve); the workers do.";
  try {
    return await readResourceTree(
      cluster.kubeFor(app),
      deps.redis,
      deps.config.redis.prefix,
      app,
      cluster.checks,
    );
  } catch (error) {
    deps.logger.warn({ app: app.name, reason: String(error) }, "live objects of the UI's app page not read");
    return `The live objects could not be read: ${error instanceof Error ? error.message : String(error)}`;
  }
}
