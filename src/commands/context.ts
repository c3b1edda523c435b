// What both command pipelines (a `/ferry` comment, src/commands/run.ts, and a check run's
// button, src/commands/check-action.ts) start from, and what they answer.
import type { AppConfig, ForgeConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import type { Forge } from "../forges/types.ts";
import type { CommandJob } from "../queue/types.ts";
import type { Runtime } from "../runtime/context.ts";

export type CommandOutcome =
  | { result: "refused"; permission: string; required: string }
  | { result: "nothing-to-do"; reasons: string[] }
  | { result: "accepted"; apps: string[]; jobs: string[]; skipped: string[] };

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function commandForge(
  job: Pick<CommandJob, "forge">,
  runtime: Runtime,
): { forge: Forge; forgeConfig: ForgeConfig } {
  const forgeConfig = runtime.config.forges.find((candidate) => candidate.name === job.forge);
  const forge = runtime.forges.get(job.forge);
  if (!forgeConfig || !forge) throw new AppError("CONFIG_INVALID", `unknown forge "${job.forge}"`);
  return { forge, forgeConfig };
}

/** The apps of the job's repository (ferry.yaml may have changed since the job was queued). */
export function appsOfRepo(job: Pick<CommandJob, "forge" | "repo">, runtime: Runtime): AppConfig[] {
  return runtime.config.apps.filter((app) => app.forge === job.forge && same(app.repo, job.repo));
}

/**
 * A manual sync of `app`'s branch head in the name of the job's author (a commenter, a check
 * run's button, or the web UI's, `via: "ui"`), or with `rollbackTo` a rollback to that revision.
 * `trigger` names the comment or the button press, so a retried command job finds the same
 * sync job.
 */
export function enqueueCommandSync(
  runtime: { enqueuer: Pick<Runtime["enqueuer"], "enqueueSync"> },
  job: Pick<CommandJob, "author" | "force"> & { via?: "ui"; rollbackTo?: string },
  app: AppConfig,
  trigger: string,
  changeRequest?: number,
): Promise<string> {
  return runtime.enqueuer.enqueueSync({
    app: app.name,
    ...(job.rollbackTo !== undefined
      ? { reason: "rollback" as const, revision: job.rollbackTo }
      : { reason: "manual" as const }),
    deliveryId: trigger,
    ...(changeRequest !== undefined ? { changeRequest } : {}),
    author: job.author.login,
    ...(job.force ? { force: true } : {}),
    ...(job.via ? { via: job.via } : {}),
  });
}
