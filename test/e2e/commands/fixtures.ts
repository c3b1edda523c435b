// One repository with three apps (web, other, and `auto: false` manual), a namespace each, a
// merge request branch that changes web and manual, and the deploy harness with the command
// worker: the ground of the command acceptance tests on both forges.
import { randomBytes } from "node:crypto";
import { expect, onTestFinished } from "vitest";
import type { KubeClient } from "../../../src/kube/types.ts";
import { createNamespace, testKubeClient } from "../../support/cluster.ts";
import { createRepo, git, type TestRepo } from "../../support/git.ts";
import { configMap, getConfigMap } from "../deploy/fixtures.ts";
import { startDeployHarness, type DeployHarness } from "../deploy/harness.ts";

export const APPS = ["web", "other", "manual"] as const;
export type AppKey = (typeof APPS)[number];

export interface CommandSetup {
  harness: DeployHarness;
  commands: Awaited<ReturnType<DeployHarness["startCommandWorker"]>>;
  repo: TestRepo;
  project: string;
  /** Configured app name and namespace per app. */
  apps: Record<AppKey, { name: string; namespace: string }>;
  /** Tip of main (what a sync deploys), the MR's head and its branch. */
  main: string;
  head: string;
  headRef: string;
  kube: KubeClient;
}

export async function commandSetup(
  forge: "github" | "gitlab",
  more: Parameters<typeof startDeployHarness>[1] = {},
): Promise<CommandSetup> {
  const repo = await createRepo({
    "apps/web/cm.yaml": configMap("web"),
    "apps/other/cm.yaml": configMap("other"),
    "apps/manual/cm.yaml": configMap("manual"),
  });
  onTestFinished(() => repo.cleanup());
  const main = await repo.head();
  const headRef = "change-web";
  await git(repo.dir, "checkout", "-q", "-b", headRef);
  await repo.write({
    "apps/web/cm.yaml": configMap("web", "v2"),
    "apps/manual/cm.yaml": configMap("manual", "v2"),
  });
  const head = await repo.commit("change web and manual");
  await git(repo.dir, "checkout", "-q", "main");

  const suffix = randomBytes(3).toString("hex");
  const apps = {} as CommandSetup["apps"];
  for (const key of APPS) {
    const ns = await createNamespace(`cmd-${key}`);
    onTestFinished(() => ns.delete());
    apps[key] = { name: `${key}-${suffix}`, namespace: ns.name };
  }
  const project = `acme/deploy-${suffix}`;
  const harness = await startDeployHarness(
    APPS.map((key) => ({
      name: apps[key].name,
      forge,
      repo: project,
      repoUrl: repo.dir,
      branch: "main",
      path: `apps/${key}`,
      destination: { cluster: "local", namespace: apps[key].namespace },
      sync: { healthTimeout: "60s", ...(key === "manual" ? { auto: false } : {}) },
    })),
    more,
  );
  onTestFinished(() => harness.close());
  const commands = await harness.startCommandWorker();
  return { harness, commands, repo, project, apps, main, head, headRef, kube: testKubeClient() };
}

/** Which of the apps' ConfigMaps exist in their namespaces. */
export async function deployed(s: CommandSetup): Promise<AppKey[]> {
  const found: AppKey[] = [];
  for (const key of APPS) if (await getConfigMap(s.kube, s.apps[key].namespace, key)) found.push(key);
  return found;
}

/** No sync job was ever added under the harness's prefix. */
export async function expectNoSyncJobs(s: CommandSetup): Promise<void> {
  const counts = await s.harness.runtime.enqueuer.queues.sync.getJobCounts(
    "waiting",
    "active",
    "delayed",
    "prioritized",
    "completed",
    "failed",
  );
  expect(
    Object.values(counts).every((count) => count === 0),
    JSON.stringify(counts),
  ).toBe(true);
}
