// Who may make a `/ferry` command act on which app. Pure decisions, unit-tested: the command
// worker (src/commands/run.ts) calls them, nothing else decides.
import type { AppConfig, ForgeConfig } from "../config/schema.ts";
import { defaultMinPermission, meetsPermission } from "../forges/permissions.ts";

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
 */
export function commandMayDeploy(app: AppConfig): boolean {
  return app.commands.allow ?? app.sync.auto;
}
