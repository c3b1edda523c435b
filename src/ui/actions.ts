// The web UI's actions on one app (issue 18): Sync, Sync --force, Rollback to a healthy
// revision of its history, Pause/Resume of automatic sync and self-heal. Each is a form POST
// that must carry the session's CSRF token, is allowed by the user's role on the app's project
// (ferry.yaml `ui.roles`), and for a deploy also by the rule every command obeys
// (commandMayDeploy: the app's `commands.allow`, its project's `allowCommands`). Deploys go
// through enqueueCommandSync, the path of `/ferry sync` and "Sync now", named after the user.
import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { deployRefusal } from "../commands/policy.ts";
import { enqueueCommandSync } from "../commands/context.ts";
import type { FerryConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import { projectOf } from "../policy/project.ts";
import type { RedisClient } from "../queue/connection.ts";
import type { Enqueuer } from "../queue/enqueue.ts";
import { readHistory } from "../sync/history.ts";
import { pauseApp, resumeApp } from "../sync/pause.ts";
import { sessionOf, type UiAuth } from "./auth/index.ts";
import { roleAtLeast, roleOn, type UiRole } from "./auth/roles.ts";
import { csrfMatches, uiFormBody } from "./auth/session.ts";

export const uiActions = ["sync", "sync-force", "rollback", "pause", "resume"] as const;
export type UiAction = (typeof uiActions)[number];

/**
 * The role each action needs: deploying takes sync; overriding a safety decision takes admin —
 * stopping automation, or forcing a revision Ferry rolled back and pinned as bad (its health
 * failed once; deploying it again is an operator's call, not a routine sync).
 */
export const actionRole: Record<UiAction, UiRole> = {
  sync: "sync",
  "sync-force": "admin",
  rollback: "sync",
  pause: "admin",
  resume: "admin",
};

const formSchema = z.object({
  _csrf: z.string().max(128).optional(),
  revision: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/, "a commit SHA")
    .optional(),
});

export interface ActionDeps {
  config: FerryConfig;
  redis: RedisClient;
  enqueuer: Pick<Enqueuer, "enqueueSync">;
  logger: Logger;
}

export function actionRoutes(deps: ActionDeps, auth: UiAuth): Router {
  const router = Router();
  const prefix = deps.config.redis.prefix;
  router.post("/ui/apps/:name/actions/:action", uiFormBody, auth.requireSession, async (req, res) => {
    const session = sessionOf(res);
    const form = formSchema.safeParse(req.body ?? {});
    // The token first: a request another site made in the user's name learns nothing.
    if (!form.success || !csrfMatches(session, form.data._csrf))
      throw new AppError("UI_CSRF", "the form's CSRF token is missing or wrong; reload the page");
    const app = deps.config.apps.find((candidate) => candidate.name === req.params.name);
    if (!app) throw new AppError("NOT_FOUND", "no such app");
    const action = z.enum(uiActions).safeParse(req.params.action);
    if (!action.success) throw new AppError("NOT_FOUND", "no such action");
    const role = roleOn(deps.config, session, app);
    const needed = actionRole[action.data];
    if (!roleAtLeast(role, needed))
      throw new AppError(
        "UI_FORBIDDEN",
        `${action.data} on ${app.name} needs the ${needed} role; you have ${role}`,
      );
    const log = deps.logger.child({
      app: app.name,
      user: session.name,
      sub: session.sub,
      action: action.data,
    });

    if (action.data === "pause" || action.data === "resume") {
      if (action.data === "pause") await pauseApp(deps.redis, prefix, app.name, session.name);
      else await resumeApp(deps.redis, prefix, app.name);
      log.info("web UI action");
      res.redirect(303, `/ui/apps/${encodeURIComponent(app.name)}`);
      return;
    }
    const refused = deployRefusal(app, projectOf(deps.config, app));
    if (refused !== undefined) throw new AppError("UI_FORBIDDEN", refused);
    let rollbackTo: string | undefined;
    if (action.data === "rollback") {
      rollbackTo = form.data.revision;
      const history = await readHistory(deps.redis, prefix, app.name);
      const listed = history.some(
        (record) =>
          record.revision === rollbackTo && record.result === "succeeded" && record.health === "Healthy",
      );
      if (rollbackTo === undefined || !listed)
        throw new AppError(
          "USAGE",
          "rollback needs a revision that the history lists as deployed and Healthy",
        );
    }
    const job = await enqueueCommandSync(
      deps,
      {
        author: { login: session.name },
        force: action.data === "sync-force",
        via: "ui",
        ...(rollbackTo !== undefined ? { rollbackTo } : {}),
      },
      app,
      `ui:${randomUUID()}`,
    );
    log.info({ job, ...(rollbackTo ? { revision: rollbackTo } : {}) }, "web UI action");
    res.redirect(303, `/ui/apps/${encodeURIComponent(app.name)}`);
  });
  return router;
}
