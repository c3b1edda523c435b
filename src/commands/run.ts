// The command worker's pipeline for one `/ferry <command>` comment, top to bottom: ask the
// forge for the commenter's permission (refuse at once, before any git work, when it is not
// enough for any app of the repository) → read the change request (GitHub's comment event
// carries none of it) → the apps on its base branch → for a sync, those the change touches,
// that commands may deploy and that this commenter may command → acknowledge → enqueue. The
// syncs and previews report their results on the change request themselves.
import type { AppConfig, ForgeConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { meetsPermission } from "../forges/permissions.ts";
import type { ChangeRequestInfo, Forge } from "../forges/types.ts";
import { resolveBase } from "../preview/base.ts";
import { withCheckouts } from "../preview/pipeline.ts";
import { touchedApps } from "../render/index.ts";
import { changeRequestKey } from "../queue/job-ids.ts";
import type { CommandJob, CommentCommandJob } from "../queue/types.ts";
import { runCheckAction } from "./check-action.ts";
import { appsOfRepo, commandForge, enqueueCommandSync, type CommandOutcome } from "./context.ts";
import { commandRefused, commandSkipped } from "../report/command.ts";
import type { Runtime } from "../runtime/context.ts";
import { mayCommand, requiredPermission, syncRefusal } from "./policy.ts";

export type { CommandOutcome };

interface CommandContext {
  job: CommentCommandJob;
  runtime: Runtime;
  forge: Forge;
  forgeConfig: ForgeConfig;
}

export async function runCommand(job: CommandJob, runtime: Runtime): Promise<CommandOutcome> {
  return job.source === "checkAction" ? runCheckAction(job, runtime) : runComment(job, runtime);
}

async function runComment(job: CommentCommandJob, runtime: Runtime): Promise<CommandOutcome> {
  const { forge, forgeConfig } = commandForge(job, runtime);
  const context: CommandContext = { job, runtime, forge, forgeConfig };
  const log = runtime.logger.child({ command: job.command, user: job.author.login, number: job.number });
  const repoApps = appsOfRepo(job, runtime);
  // ferry.yaml changed since the comment was queued: the repository is no longer Ferry's.
  if (repoApps.length === 0) return { result: "nothing-to-do", reasons: ["the repository is not tracked"] };
  const permission = await forge.permissionOf(job.repo, job.author);
  const permitted = repoApps.filter((app) => mayCommand(forgeConfig, app, permission));
  if (permitted.length === 0) {
    const required = weakestRequirement(forgeConfig, repoApps);
    log.info({ permission, required }, "command refused");
    await reply(context, commandRefused({ ...refusalBase(job), permission, required }));
    return { result: "refused", permission, required };
  }

  const change = await forge.getChangeRequest({ repo: job.repo, number: job.number });
  const baseRef = change.baseRef;
  if (baseRef === undefined)
    throw new AppError("FORGE_API_FAILED", "the change request names no target branch");
  const onBase = permitted.filter((app) => app.branch === baseRef);
  if (onBase.length === 0) {
    return nothingToDo(context, [`no app you may command tracks the target branch "${baseRef}"`]);
  }
  const outcome =
    job.command === "preview"
      ? await preview(context, change, baseRef, onBase)
      : await sync(context, change, baseRef, repoApps, permission);
  log.info({ outcome }, "command handled");
  return outcome;
}

async function preview(
  context: CommandContext,
  change: ChangeRequestInfo,
  baseRef: string,
  apps: AppConfig[],
): Promise<CommandOutcome> {
  const { job, runtime } = context;
  if (change.state !== "open") return nothingToDo(context, [`the change request is ${change.state}`]);
  await acknowledge(context);
  const id = await runtime.enqueuer.enqueuePreview({
    forge: job.forge,
    repo: job.repo,
    number: job.number,
    headSha: change.headSha,
    headRef: change.headRef ?? "",
    baseRef,
    // Unknown counts as a fork: the preview then never dry-runs against the cluster.
    isFork: change.isFork ?? true,
    apps: apps.map((app) => app.name),
    deliveryId: job.deliveryId,
    ...(change.baseSha ? { baseSha: change.baseSha } : {}),
    ...(change.url ? { url: change.url } : {}),
  });
  return { result: "accepted", apps: apps.map((app) => app.name), jobs: [id], skipped: [] };
}

/**
 * Deploys the target branch of the apps the change touches: never the change's own head,
 * which nobody has reviewed into the branch yet.
 */
async function sync(
  context: CommandContext,
  change: ChangeRequestInfo,
  baseRef: string,
  repoApps: AppConfig[],
  permission: string,
): Promise<CommandOutcome> {
  const { job, runtime, forgeConfig } = context;
  const touched = await appsTouchedBy(
    runtime,
    repoApps.filter((app) => app.branch === baseRef),
    change,
    baseRef,
  );
  const skipped: string[] = [];
  const deploy: AppConfig[] = [];
  for (const app of touched) {
    const refusal = syncRefusal(forgeConfig, app, runtime.projectOf(app), permission);
    if (refusal) skipped.push(refusal);
    else deploy.push(app);
  }
  if (deploy.length === 0)
    return nothingToDo(
      context,
      touched.length === 0 ? ["the change touches no app on this branch"] : skipped,
    );
  await acknowledge(context);
  // One trigger id per comment: a retried command job finds the same sync jobs.
  const trigger = `command:${changeRequestKey(job.forge, job.repo, job.number)}/${job.commentId}`;
  const jobs: string[] = [];
  for (const app of deploy) jobs.push(await enqueueCommandSync(runtime, job, app, trigger, job.number));
  if (skipped.length > 0) await reply(context, commandSkipped(job.command, skipped));
  return { result: "accepted", apps: deploy.map((app) => app.name), jobs, skipped };
}

/** The apps whose render inputs the change touches, compared with the commit it branched from. */
async function appsTouchedBy(
  runtime: Runtime,
  apps: AppConfig[],
  change: ChangeRequestInfo,
  baseRef: string,
): Promise<AppConfig[]> {
  const [first] = apps;
  if (!first) return [];
  const location = runtime.location(first);
  const headSha = change.headSha;
  const baseSha = await resolveBase(runtime.git, location, { baseSha: change.baseSha, baseRef, headSha });
  const changed = await runtime.git.changedPaths(location, baseSha, headSha);
  return withCheckouts(runtime.git, location, headSha, baseSha, (checkouts) =>
    touchedApps(apps, changed, { head: checkouts.head.dir, base: checkouts.base.dir }),
  );
}

/** The lowest level that would let the commenter command at least one app of the repository. */
function weakestRequirement(forge: ForgeConfig, apps: AppConfig[]): string {
  const levels = apps.map((app) => requiredPermission(forge, app));
  const weakest = levels.find((level) => levels.every((other) => meetsPermission(forge.type, other, level)));
  return weakest ?? requiredPermission(forge, apps[0] as AppConfig);
}

function refusalBase(job: CommentCommandJob) {
  return { command: job.command, repo: job.repo, user: job.author.login };
}

async function nothingToDo(context: CommandContext, reasons: string[]): Promise<CommandOutcome> {
  await reply(context, commandSkipped(context.job.command, reasons));
  return { result: "nothing-to-do", reasons };
}

async function reply(context: CommandContext, body: string): Promise<void> {
  const { forge, job } = context;
  await forge.createComment({ repo: job.repo, number: job.number }, body);
}

async function acknowledge(context: CommandContext): Promise<void> {
  const { forge, job } = context;
  await forge.acknowledge({ repo: job.repo, number: job.number }, job.commentId);
}
