// `ferry diff <app> [--revision R] [--exit-code] --config F`: what a deploy of the app at R
// (default: its branch head) would change in the live cluster, by server-side dry-run, as
// plain unified diffs with Secrets masked. Nothing in the cluster changes.
import type { Command } from "commander";
import { loadConfigFile } from "../../config/load.ts";
import type { FerryConfig } from "../../config/schema.ts";
import type { AppDiff, ResourceChange } from "../../diff/index.ts";
import { AppError } from "../../errors.ts";
import { createForge } from "../../forges/index.ts";
import { CliGitService } from "../../git/service.ts";
import { projectOf } from "../../policy/project.ts";
import { createAppClients } from "../../runtime/kube-clients.ts";
import { clusterDiff } from "../../preview/cluster-diff.ts";
import { renderApp } from "../../render/index.ts";
import { countsText } from "../../report/summary.ts";
import { defaultWorkDir } from "../../runtime/context.ts";
import { repoLocation } from "../../runtime/locations.ts";

interface DiffFlags {
  config: string;
  revision?: string;
  exitCode?: boolean;
}

/** A --revision that is used as a commit as it is; anything else is a branch to resolve. */
export const COMMIT = /^[0-9a-f]{7,64}$/i;

export function registerDiff(program: Command): void {
  program
    .command("diff <app>")
    .description("show what deploying the app would change in the cluster (server-side dry-run)")
    .requiredOption("--config <file>", "path to ferry.yaml")
    .option("--revision <rev>", "commit SHA or branch to render (default: the app's branch head)")
    .option("--exit-code", "exit 1 when there is a difference")
    .action(async (name: string, flags: DiffFlags) => {
      const config = await loadConfigFile(flags.config, process.env, "worker");
      const { diff, sha } = await diffAt(config, name, flags.revision);
      process.stdout.write(formatDiff(diff, sha));
      const changed = diff.counts.added + diff.counts.changed + diff.counts.removed > 0;
      if (diff.counts.errors > 0 || (flags.exitCode === true && changed)) process.exitCode = 1;
    });
}

async function diffAt(
  config: FerryConfig,
  name: string,
  revision: string | undefined,
): Promise<{ diff: AppDiff; sha: string }> {
  const app = config.apps.find((candidate) => candidate.name === name);
  if (!app) throw new AppError("USAGE", `app "${name}" is not in the configuration`);
  const forge = config.forges.find((candidate) => candidate.name === app.forge);
  if (!forge) throw new AppError("CONFIG_INVALID", `app ${app.name}: unknown forge "${app.forge}"`);
  const cluster = config.clusters.find((candidate) => candidate.name === app.destination.cluster);
  if (!cluster)
    throw new AppError("CONFIG_INVALID", `app ${app.name}: unknown cluster "${app.destination.cluster}"`);
  const git = new CliGitService({ cacheDir: defaultWorkDir(config) });
  const location = repoLocation(app, forge, createForge(forge));
  const sha =
    revision !== undefined && COMMIT.test(revision)
      ? revision
      : await git.headOf(location, revision ?? app.branch);
  const checkout = await git.checkout(location, sha);
  try {
    const rendered = await renderApp({ checkoutDir: checkout.dir, app });
    const kube = createAppClients(config).kubeFor(app);
    const ref = {
      app: app.name,
      cluster: app.destination.cluster,
      namespace: app.destination.namespace,
      sourceType: rendered.sourceType,
    };
    const project = projectOf(config, app);
    const diff = await clusterDiff({ kube, app, project, ref, head: rendered.objects, base: [], notes: [] });
    return { diff, sha };
  } finally {
    await checkout.cleanup();
  }
}

const headings: Record<ResourceChange["action"], string> = {
  add: "added",
  change: "changed",
  remove: "removed (pruned on deploy)",
  unchanged: "unchanged",
  error: "dry-run failed",
};

/** One unified diff per resource (live → desired), then a summary line. */
export function formatDiff(diff: AppDiff, sha: string): string {
  const out: string[] = diff.notes.map((note) => `# ${note}\n`);
  if (diff.error) out.push(`# ${diff.app}: rendering failed: ${diff.error.message}\n`);
  for (const change of diff.changes) {
    if (change.action === "unchanged") continue;
    const where = change.namespace ? `${change.namespace}/${change.name}` : change.name;
    out.push(`# ${change.kind} ${where}: ${headings[change.action]}\n`);
    if (change.error) {
      out.push(`# ${change.error.message}\n`);
      continue;
    }
    const path = change.key;
    out.push(`--- ${change.action === "add" ? "/dev/null" : `live/${path}`}\n`);
    out.push(`+++ ${change.action === "remove" ? "/dev/null" : `git/${path}`}\n`);
    out.push(change.diff.endsWith("\n") || change.diff === "" ? change.diff : `${change.diff}\n`);
  }
  const scope = `${diff.app} at ${sha.slice(0, 12)} → ${diff.cluster}/${diff.namespace}`;
  const errors = diff.counts.errors > 0 ? `, ${diff.counts.errors} blocking error(s)` : "";
  out.push(`# ${scope}: ${countsText(diff.counts)}${errors}\n`);
  return out.join("");
}
