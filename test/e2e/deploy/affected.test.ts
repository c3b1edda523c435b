// One rule for "which apps does this commit affect" (src/render/touched.ts via
// src/deploy/affected.ts), end to end on real git, Redis, the control plane and the GitHub fake.
// Two apps are kustomize overlays on a shared base outside their paths, polled only every
// 10 minutes, and no poller runs here: whatever deploys does so because of the webhook.
import { randomBytes } from "node:crypto";
import { describe, expect, it, onTestFinished } from "vitest";
import { readSeenHead } from "../../../src/deploy/affected.ts";
import type { CommitStatus } from "../../../src/forges/types.ts";
import { processReconcileJob } from "../../../src/reconcile/index.ts";
import { writeAppStatus } from "../../../src/reconcile/status.ts";
import { readOverviews } from "../../../src/status/overview.ts";
import { readHistory } from "../../../src/sync/history.ts";
import { reconcileDeps } from "../../../workers/reconcile.ts";
import { createNamespace, testKubeClient } from "../../support/cluster.ts";
import { createRepo } from "../../support/git.ts";
import { configMap, getConfigMap, ZERO } from "./fixtures.ts";
import { startDeployHarness } from "./harness.ts";

const overlay = "resources:\n  - ../../bases/web\n";

async function overlaysOnSharedBase() {
  const repo = await createRepo({
    "bases/web/kustomization.yaml": "resources:\n  - settings.yaml\n",
    "bases/web/settings.yaml": configMap("settings", "v1"),
    "overlays/a/kustomization.yaml": overlay,
    "overlays/b/kustomization.yaml": overlay,
    "docs/README.md": "# Deploying\n",
  });
  onTestFinished(() => repo.cleanup());
  const suffix = randomBytes(3).toString("hex");
  const project = `acme/overlays-${suffix}`;
  const apps = [];
  for (const name of ["a", "b"]) {
    const ns = await createNamespace(`affected-${name}`);
    onTestFinished(() => ns.delete());
    apps.push({ name: `${name}-${suffix}`, path: `overlays/${name}`, namespace: ns.name });
  }
  const harness = await startDeployHarness(
    apps.map((app) => ({
      name: app.name,
      forge: "github",
      repo: project,
      repoUrl: repo.dir,
      branch: "main",
      path: app.path,
      destination: { cluster: "local", namespace: app.namespace },
      sync: { healthTimeout: "60s", interval: "10m" },
    })),
  );
  onTestFinished(() => harness.close());
  const push = async (before: string, after: string) => {
    const answer = await harness.pushGithub({ repo: project, branch: "main", before, after });
    expect(answer.status).toBe(202);
    return harness.finished(answer.jobs);
  };
  const first = await repo.head();
  expect(await push(ZERO, first)).toMatchObject(apps.map(() => ({ result: "succeeded", revision: first })));
  return { repo, apps, harness, push, first, kube: testKubeClient() };
}

describe("which apps a commit affects", () => {
  it("deploys every overlay when a push touches only their shared base, straight from the webhook", async () => {
    const s = await overlaysOnSharedBase();
    await s.repo.write({ "bases/web/settings.yaml": configMap("settings", "v2") });
    const sha = await s.repo.commit("shared base: v2");

    const runs = await s.push(s.first, sha);
    expect(runs).toMatchObject(s.apps.map(() => ({ result: "succeeded", revision: sha })));
    for (const app of s.apps)
      expect((await getConfigMap(s.kube, app.namespace, "settings"))?.data).toEqual({ value: "v2" });
  });

  it("records a docs-only push as seen and says nothing: no deploy, status, comment or history, nor on a later poll", async () => {
    const s = await overlaysOnSharedBase();
    const { runtime, prefix, github } = s.harness;
    await s.repo.write({ "docs/README.md": "# Deploying\n\nNow with more words.\n" });
    const sha = await s.repo.commit("docs only");
    // A merged pull request for the commit: a deploy would comment on it.
    github.seedPull(s.harness.config.apps[0]!.repo, {
      number: 7,
      headSha: sha,
      state: "closed",
      mergedAt: new Date().toISOString(),
      commits: [sha],
    });
    const historyBefore = await Promise.all(
      s.apps.map((app) => readHistory(runtime.redis, prefix, app.name)),
    );
    const callsBefore = github.calls.length;

    const runs = await s.push(s.first, sha);
    expect(runs).toMatchObject(
      s.apps.map(() => ({ result: "skipped", reason: "NotAffected", revision: sha })),
    );
    for (const app of s.apps) expect(await readSeenHead(runtime, app.name)).toBe(sha);

    // A poll of the same head finds it seen and enqueues nothing.
    const deps = reconcileDeps(runtime);
    for (const app of s.apps) {
      const outcome = await processReconcileJob({ app: app.name, trigger: "manual" }, deps);
      expect(outcome).toMatchObject({ poll: "NotAffected", status: "Synced" });
    }
    const counts = await runtime.enqueuer.queues.sync.getJobCounts(
      "waiting",
      "active",
      "delayed",
      "prioritized",
    );
    expect(Object.values(counts)).toEqual([0, 0, 0, 0]);

    // Nothing reached the forge: no status, no comment, not even a lookup of the pull request.
    expect(github.calls.slice(callsBefore)).toEqual([]);
    expect(github.comments(s.harness.config.apps[0]!.repo, 7)).toEqual([]);
    expect(github.statuses.filter((status) => status.sha === sha)).toEqual([]);
    const historyAfter = await Promise.all(s.apps.map((app) => readHistory(runtime.redis, prefix, app.name)));
    expect(historyAfter).toEqual(historyBefore);
    for (const app of s.apps) {
      expect((await getConfigMap(s.kube, app.namespace, "settings"))?.data).toEqual({ value: "v1" });
    }
  });

  it("shows Synced, not Syncing, once a sync a poll queued ends with nothing to do (issue 17 item 7)", async () => {
    const s = await overlaysOnSharedBase();
    const { runtime, prefix } = s.harness;
    const [a, b] = s.harness.config.apps;
    const syncOf = async (app: typeof a) =>
      (await readOverviews({ redis: runtime.redis, prefix }, [app!]))[0]?.sync;
    // A sync queued for the head, which is already live and healthy, ends AlreadyDeployed.
    await writeAppStatus(
      runtime.redis,
      { app: b!.name, status: "Syncing", checkedAt: new Date().toISOString(), drifted: [] },
      prefix,
    );
    expect(await syncOf(b)).toBe("Syncing");
    const [run] = await s.harness.finished([
      await runtime.enqueuer.enqueueSync({ app: b!.name, reason: "poll", sha: s.first }),
    ]);
    expect(run).toMatchObject({ result: "skipped", reason: "AlreadyDeployed" });
    expect(await syncOf(b)).toBe("Synced");

    // A docs-only commit whose webhook never came: the poll queues a sync and saves Syncing; the
    // sync finds the commit changes nothing of the app and writes no record.
    await s.repo.write({ "docs/README.md": "# Deploying\n\nPolled, never pushed.\n" });
    const sha = await s.repo.commit("docs only, no webhook");
    const polled = await processReconcileJob({ app: a!.name, trigger: "manual" }, reconcileDeps(runtime));
    expect(polled).toMatchObject({ poll: "SyncEnqueued", status: "Syncing" });
    await s.harness.idle();
    expect(await readSeenHead(runtime, a!.name)).toBe(sha);
    expect(await syncOf(a)).toBe("Synced");
  });

  it("shows Synced once a sync that deployed ends, though a reconcile run saw it in flight after its record was written", async () => {
    const s = await overlaysOnSharedBase();
    const { runtime, prefix } = s.harness;
    const [a] = s.harness.config.apps;
    // The deploy's outcome goes to the forge after its record is written, while its job still
    // runs: a reconcile run that looks then sees the sync in flight and saves Syncing, dated
    // after the record's end.
    const looked: unknown[] = [];
    const forgeOf = runtime.forgeOf.bind(runtime);
    runtime.forgeOf = (app) => {
      const forge = forgeOf(app);
      return Object.assign(Object.create(forge) as typeof forge, {
        setStatus: async (repo: string, status: CommitStatus) => {
          if (status.state === "success" && looked.length === 0)
            looked.push(
              await processReconcileJob({ app: app.name, trigger: "watch" }, reconcileDeps(runtime)),
            );
          return forge.setStatus(repo, status);
        },
      });
    };
    await s.repo.write({ "bases/web/settings.yaml": configMap("settings", "v2") });
    const sha = await s.repo.commit("shared base: v2");
    const [run] = await s.harness.finished([
      await runtime.enqueuer.enqueueSync({ app: a!.name, reason: "poll", sha }),
    ]);
    expect(run).toMatchObject({ result: "succeeded", revision: sha });
    expect(looked).toMatchObject([{ status: "Syncing" }]);
    expect((await readOverviews({ redis: runtime.redis, prefix }, [a!]))[0]?.sync).toBe("Synced");
  });
});
