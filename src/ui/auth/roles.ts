// Which UI role a signed-in user holds on an app: ferry.yaml's `ui.roles` map the groups of
// the OpenID Connect groups claim to read, sync or admin per project. The strongest matching
// role wins; admin includes sync, sync includes read.
import type { AppConfig, FerryConfig } from "../../config/schema.ts";
import { AppError } from "../../errors.ts";
import { globMatches, projectOf } from "../../policy/project.ts";

export const uiRoles = ["none", "read", "sync", "admin"] as const;
export type UiRole = (typeof uiRoles)[number];

export function roleAtLeast(role: UiRole, needed: UiRole): boolean {
  return uiRoles.indexOf(role) >= uiRoles.indexOf(needed);
}

/**
 * The role of `groups` on `app`. `all` is the signed-in user of a loopback server without
 * OIDC (`ferry up`): only this machine reaches it, so its user holds every role.
 */
export function roleOn(
  config: Pick<FerryConfig, "projects" | "ui">,
  user: { groups: readonly string[]; all?: boolean },
  app: AppConfig,
): UiRole {
  if (user.all) return "admin";
  const project = projectOf(config, app).name;
  let best: UiRole = "none";
  for (const rule of config.ui.roles) {
    if (!globMatches(rule.project, project)) continue;
    for (const role of ["admin", "sync", "read"] as const) {
      if (rule[role].some((group) => user.groups.includes(group)) && roleAtLeast(role, best)) best = role;
    }
  }
  return best;
}

/** The apps `user` may read, in ferry.yaml's order: what every page, stream and API lists. */
export function readableApps(
  config: Pick<FerryConfig, "apps" | "projects" | "ui">,
  user: { groups: readonly string[]; all?: boolean },
): AppConfig[] {
  return config.apps.filter((app) => roleAtLeast(roleOn(config, user, app), "read"));
}

/**
 * The app `name` and `user`'s role on it, when they may read it: 404 for an app ferry.yaml does
 * not name, 403 for one outside the user's projects (the app page, its event stream, /api/apps).
 */
export function readableApp(
  config: Pick<FerryConfig, "apps" | "projects" | "ui">,
  user: { groups: readonly string[]; all?: boolean },
  name: unknown,
): { app: AppConfig; role: UiRole } {
  const app = config.apps.find((candidate) => candidate.name === name);
  if (!app) throw new AppError("NOT_FOUND", "no such app");
  const role = roleOn(config, user, app);
  if (!roleAtLeast(role, "read"))
    throw new AppError("UI_FORBIDDEN", `${app.name}: you have no role on its project`);
  return { app, role };
}
