// `ferry sync <app> --config F [--revision R] [--force] [--dry-run]`: a manual deploy, run in
// this process with the same pipeline, lock, history and feedback as the sync worker. A manual
// sync re-applies a revision that is live; one that was rolled back as bad only with --force.
// --dry-run prints the plan and the server-side dry-run diff and changes nothing.
import type { Command } from "commander";
import { loadConfigFile } from "../../config/load.ts";
import { runDeploy, type DeployRun } from "../../deploy/pipeline.ts";
import type { DryRunResult } from "../../deploy/dry-run.ts";
import { createLogger } from "../../observability/logger.ts";
import { formatDuration } from "../../report/index.ts";
import { createRuntime } from "../../runtime/context.ts";
import { COMMIT, formatDiff } from "./diff.ts";

interface SyncFlags {
  config: string;
  revision?: string;
  dryRun?: boolean;
  force?: boolean;
}

export function formatPlan(result: DryRunResult): string {
  const lines = [`# plan for ${result.app} at ${result.revision.slice(0, 12)}`];
  for (const stage of result.stages) lines.push(`#   ${stage.name}: ${stage.objects.join(", ")}`);
  for (const dropped of result.dropped) lines.push(`#   not run: ${dropped.key} (${dropped.reason})`);
  return `${lines.join("\n")}\n${formatDiff(result.diff, result.revision)}`;
}

export function formatRun(run: DeployRun): string {
  if (run.reason === "DryRun") return formatPlan(run);
  const why = run.result === "succeeded" ? "" : ` (${run.reason})`;
  const head = `${run.app} at ${run.revision.slice(0, 12)}: ${run.result}${why}`;
  if (!("applied" in run)) return `${head} — ${run.message ?? run.reason}\n`;
  const counts = `${run.applied.length} applied, ${run.pruned.length} pruned, ${run.unchanged.length} unchanged`;
  const message = run.message ? `\n${run.message}` : "";
  return `${head} in ${formatDuration(run.durationMs)} (${counts}), ${run.health.status}${message}\n`;
}

export function registerSync(program: Command): void {
  program
    .command("sync <app>")
    .description("deploy the app now (its branch head, or --revision) and wait for health")
    .requiredOption("--config <file>", "path to ferry.yaml")
    .option("--revision <rev>", "commit SHA or branch to deploy (default: the app's branch head)")
    .option("--dry-run", "print the plan and what would change; apply nothing")
    .option("--force", "apply the revision even if it was rolled back as bad")
    .action(async (name: string, flags: SyncFlags) => {
      const config = await loadConfigFile(flags.config, process.env, "worker");
      const logger = createLogger({
        level: process.env.FERRY_LOG_LEVEL ?? "warn",
        destination: process.stderr,
      });
      const runtime = createRuntime(config, { logger });
      try {
        const app = runtime.app(name);
        const revision =
          flags.revision === undefined || COMMIT.test(flags.revision)
            ? flags.revision
            : await runtime.git.headOf(runtime.location(app), flags.revision);
        const run = await runDeploy(
          {
            app: name,
            reason: "manual",
            ...(revision !== undefined ? { revision } : {}),
            ...(flags.dryRun === true ? { dryRun: true } : {}),
            ...(flags.force === true ? { force: true } : {}),
          },
          runtime,
        );
        process.stdout.write(formatRun(run));
        if (run.result !== "succeeded") process.exitCode = 1;
      } finally {
        await runtime.close();
      }
    });
}
