// Deploy on merge from signed GitHub push webhooks: the new image goes live and Available,
// the commit status and the merged PR's comment say so; prune removes what left Git but never
// an object someone made by hand with the same name; a change deleting 80 % is refused.
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { deployContext } from "../../../src/report/index.ts";
import { readHistory } from "../../../src/sync/history.ts";
import {
  changedFiles,
  configMap,
  deployFirst,
  deployment,
  deploymentView,
  getConfigMap,
  setup,
  waitAvailable,
  type Setup,
} from "./fixtures.ts";

async function pushMerged(s: Setup, number: number, before: string, after: string) {
  s.harness.github.seedPull(s.project, {
    number,
    headSha: `feature-${number}`,
    state: "closed",
    mergedAt: new Date().toISOString(),
    commits: [after],
    author: "octo-author",
    mergedBy: "octo-merger",
  });
  const modified = await changedFiles(s.repo, before, after);
  const answer = await s.harness.pushGithub({ repo: s.project, branch: "main", before, after, modified });
  expect(answer.status).toBe(202);
  return answer.jobs;
}

function statesOf(s: Setup, sha: string): string[] {
  return s.harness.github.statuses
    .filter((status) => status.sha === sha && status.context === deployContext(s.app))
    .map((status) => status.state);
}

describe("deploy from a GitHub push", () => {
  it("puts the merged image live and Available, sets success and comments on the merged PR", async () => {
    const s = await setup("github", { "apps/web/deployment.yaml": deployment("nginx:1.27") });
    const first = await deployFirst(s);
    await waitAvailable(s.kube, s.namespace, "nginx:1.27");

    await s.repo.write({ "apps/web/deployment.yaml": deployment("nginx:1.28") });
    const sha = await s.repo.commit("bump nginx");
    const started = performance.now();
    const jobs = await pushMerged(s, 7, first, sha);
    const [run] = await s.harness.finished(jobs);
    const healthyMs = performance.now() - started;
    console.log(`GitHub push → healthy (job done): ${healthyMs.toFixed(0)} ms`);

    expect(run).toMatchObject({
      result: "succeeded",
      revision: sha,
      reason: "Deployed",
      health: { status: "Healthy" },
    });
    expect(await deploymentView(s.kube, s.namespace)).toEqual({ image: "nginx:1.28", available: true });
    expect(statesOf(s, sha)).toEqual(["pending", "success"]);
    const comments = s.harness.github.comments(s.project, 7);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(`Deployed **${s.app}** to **local** at`);
    expect(comments[0]?.body).toContain(sha.slice(0, 7));
    expect(comments[0]?.body).toMatch(/1 object changed, healthy/);

    // The API shows the deployment.
    const response = await fetch(`${s.harness.url}/api/apps/${s.app}`);
    const detail = (await response.json()) as { revision: string; sync: string; deployments: unknown[] };
    expect(detail).toMatchObject({ revision: sha, sync: "Synced", health: "Healthy" });
    expect(detail.deployments).toHaveLength(2);
    // Who caused each: the merged pull request with its author and merger, then the first push.
    expect(detail.deployments.map((record) => (record as { cause?: unknown }).cause)).toEqual([
      {
        kind: "changeRequest",
        number: 7,
        author: "octo-author",
        mergedBy: "octo-merger",
        url: `https://github.test/${s.project}/pull/7`,
      },
      { kind: "push", user: expect.any(String) as unknown },
    ]);
    // The worker's registry counts both syncs (initial deploy and the merge).
    expect(await s.harness.runtime.registry.metrics()).toContain(
      `ferry_sync_total{app="${s.app}",result="succeeded",reason="Deployed"} 2`,
    );
    s.harness.github.assertNoUnexpected();
  });

  it("prunes an object whose file left Git, but never one made by hand under the same name", async () => {
    const s = await setup("github", {
      "apps/web/deployment.yaml": deployment("nginx:1.27"),
      "apps/web/a.yaml": configMap("a"),
      "apps/web/b.yaml": configMap("b"),
      "apps/web/c.yaml": configMap("c"),
      "apps/web/legacy.yaml": configMap("legacy"),
    });
    const first = await deployFirst(s);
    // Someone replaces `legacy` by hand: same name, no tracking annotation.
    await s.kube.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: s.namespace, name: "legacy" });
    await s.kube.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "legacy", namespace: s.namespace },
        data: { by: "hand" },
      },
      { fieldManager: "kubectl" },
    );

    await s.repo.remove("apps/web/b.yaml", "apps/web/legacy.yaml");
    const sha = await s.repo.commit("drop b and legacy");
    const [run] = await s.harness.finished(await pushMerged(s, 8, first, sha));

    expect(run).toMatchObject({ result: "succeeded", pruned: [`/ConfigMap/${s.namespace}/b`] });
    expect(await getConfigMap(s.kube, s.namespace, "b")).toBeUndefined();
    expect((await getConfigMap(s.kube, s.namespace, "legacy"))?.data).toEqual({ by: "hand" });
    expect(await getConfigMap(s.kube, s.namespace, "a")).toBeDefined();
    expect(statesOf(s, sha)).toEqual(["pending", "success"]);
  });

  it("refuses a change that would delete 80 % of the app, with a failure status and the reason", async () => {
    const files: Record<string, string> = { "apps/web/deployment.yaml": deployment("nginx:1.27") };
    for (const name of ["a", "b", "c", "d"]) files[`apps/web/${name}.yaml`] = configMap(name);
    const s = await setup("github", files);
    const first = await deployFirst(s);

    await s.repo.remove("apps/web/a.yaml", "apps/web/b.yaml", "apps/web/c.yaml", "apps/web/d.yaml");
    const sha = await s.repo.commit("delete most of the app");
    const [run] = await s.harness.finished(await pushMerged(s, 9, first, sha));

    expect(run).toMatchObject({
      result: "failed",
      reason: "PruneRefused",
      code: "PRUNE_REFUSED",
      failedStep: "prune-check",
    });
    for (const name of ["a", "b", "c", "d"])
      expect(await getConfigMap(s.kube, s.namespace, name)).toBeDefined();
    expect(statesOf(s, sha)).toEqual(["pending", "failure"]);
    const [comment] = s.harness.github.comments(s.project, 9);
    expect(comment?.body).toContain("failed: Prune refused");
    expect(comment?.body).toMatch(/pruneBudget 50/);
    const [last] = await readHistory(s.harness.runtime.redis, s.harness.runtime.prefix, s.app);
    expect(last).toMatchObject({ revision: sha, result: "failed" });
  });
});
