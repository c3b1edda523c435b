// The command worker's pipeline for "Sync now" pressed on a `ferry deploy: <app>` check run,
// top to bottom: the app must still be tracked on the repository → ask the forge for the
// presser's permission → the same rule as `/ferry sync` for that app (src/commands/policy.ts)
// → enqueue a manual sync of the branch head naming the user. The answer is written on the
// pressed run, where the person is looking (a deploy check has no change request to reply on).
import type { CheckActionJob } from "../queue/types.ts";
import type { Runtime } from "../runtime/context.ts";
import { appsOfRepo, commandForge, enqueueCommandSync, type CommandOutcome } from "./context.ts";
import { mayCommand, requiredPermission, syncRefusal } from "./policy.ts";

export async function runCheckAction(job: CheckActionJob, runtime: Runtime): Promise<CommandOutcome> {
  const { forge, forgeConfig } = commandForge(job, runtime);
  const log = runtime.logger.child({ command: "check action", user: job.author.login, app: job.app });
  const note = async (title: string, summary: string) => {
    try {
      await forge.checks?.note(job.repo, job.checkRunId, { title, summary });
    } catch (error) {
      // The answer is feedback; the decision (and any sync) stands without it.
      log.warn({ reason: error instanceof Error ? error.message : String(error) }, "check run not updated");
    }
  };
  const app = appsOfRepo(job, runtime).find((candidate) => candidate.name === job.app);
  if (!app) return { result: "nothing-to-do", reasons: [`app "${job.app}" is not tracked any more`] };

  const permission = await forge.permissionOf(job.repo, job.author);
  if (!mayCommand(forgeConfig, app, permission)) {
    const required = requiredPermission(forgeConfig, app);
    log.info({ permission, required }, "Sync now refused");
    await note(
      `Sync now refused for @${job.author.login}`,
      `**Sync now** needs **${required}** permission on ${job.repo}; @${job.author.login} has **${permission}**. Nothing was done.\n`,
    );
    return { result: "refused", permission, required };
  }
  const refusal = syncRefusal(forgeConfig, app, runtime.projectOf(app), permission);
  if (refusal) {
    await note("Sync now did nothing", `**Sync now** from @${job.author.login}: ${refusal}\n`);
    return { result: "nothing-to-do", reasons: [refusal] };
  }
  // One trigger per press.
  const id = await enqueueCommandSync(runtime, job, app, `check-action:${job.checkRunId}/${job.deliveryId}`);
  log.info({ job: id }, "Sync now accepted");
  await note(
    `Sync requested by @${job.author.login}`,
    `@${job.author.login} pressed **Sync now**: ${app.name} is deployed again from the head of ${app.branch}; its own \`ferry deploy\` check follows.\n`,
  );
  return { result: "accepted", apps: [app.name], jobs: [id], skipped: [] };
}
