// Who may make a `/ferry` command act on which app. Pure decisions, unit-tested: the command
// worker (src/commands/run.ts) calls them, nothing else decides.
import type { AppConfig, ForgeConfig } from "../config/schema.ts";
import { defaultMinPermission, meetsPermission } from "../forges/permissions.ts";
import type { Project } from "../policy/project.ts";

/** The permission a commenter needs on the repository before a command touches `app`. */
export function requiredPermission(forge: ForgeConfig, app: AppConfig): string {
  return app.commands.minPermission ?? forge.commands?.minPermission ?? defaultMinPermission[forge.type];
}

export function mayCommand(forge: ForgeConfig, app: AppConfig, permission: string): boolean {
  return meetsPermission(forge.type, permission, requiredPermission(forge, app));
}

/**
 * Whether a command may deploy `app` at all, whoever asks. An app that deploys on every push
 * may also be deployed by a command; an `auto: false` app (someone decides when it ships) only
 * when it says `commands.allow: true`; `commands.allow: false` turns commands off for any app.
 * The app's project has the last word: `allowCommands: false` keeps commands off all its apps,
 * whatever an app says (the project is what an operator sets above the repository's owners).
 */
export function commandMayDeploy(app: AppConfig, project: Pick<Project, "allowCommands">): boolean {
  return project.allowCommands && (app.commands.allow ?? app.sync.auto);
}

/** Why no command (nor the web UI's buttons) may deploy `app`, whoever asks; undefined when one may. */
export function deployRefusal(
  app: AppConfig,
  project: Pick<Project, "allowCommands" | "name">,
): string | undefined {
  if (commandMayDeploy(app, project)) return undefined;
  return project.allowCommands
    ? `${app.name}: commands may not deploy it (commands.allow)`
    : `${app.name}: its project ${project.name} does not allow commands (allowCommands: false)`;
}

/**
 * Why `permission` may not sync `app` by a command (a comment or the "Sync now" button), or
 * undefined when it may.
 */
export function syncRefusal(
  forge: ForgeConfig,
  app: AppConfig,
  project: Pick<Project, "allowCommands" | "name">,
  permission: string,
): string | undefined {
  const refused = deployRefusal(app, project);
  if (refused !== undefined) return refused;
  if (!mayCommand(forge, app, permission))
    return `${app.name}: needs ${requiredPermission(forge, app)} permission, you have ${permission}`;
  return undefined;
}
