// Acceptance (issue 16): a deploy from a push, with the forge configured as a GitHub App,
// reports through a `ferry deploy: <app>` check run on the deployed commit (in_progress, then
// success with the deploy note as its summary) and posts no commit status. The fake's
// installation tokens live one second; no call of the deploy is refused.
import { describe, expect, it } from "vitest";
import {
  changedFiles,
  configMap,
  deployFirst,
  deployment,
  pushAndWait,
  setup,
  waitAvailable,
  ZERO,
} from "./fixtures.ts";

describe("deploy with a GitHub App", () => {
  it("completes a check run on the deployed commit and refuses no call across token lifetimes", async () => {
    const s = await setup(
      "github",
      { "apps/web/deployment.yaml": deployment("nginx:1.27") },
      {},
      {
        githubApp: { id: 91, installations: [{ id: 9, account: "acme" }], tokenTtlMs: 1_000 },
      },
    );
    const sha = await s.repo.head();
    const { status, jobs } = await s.harness.pushGithub({
      repo: s.project,
      branch: "main",
      before: ZERO,
      after: sha,
      modified: await changedFiles(s.repo, ZERO, sha),
    });
    expect(status).toBe(202);
    const [run] = await s.harness.finished(jobs);
    expect(run).toMatchObject({ result: "succeeded", revision: sha });
    await waitAvailable(s.kube, s.namespace, "nginx:1.27");

    const checks = s.harness.github.checkRunsOf(s.project);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({
      name: `ferry deploy: ${s.app}`,
      head_sha: sha,
      external_id: `deploy:${s.app}`,
    });
    expect(checks[0]?.history).toEqual([
      { status: "in_progress", conclusion: null },
      { status: "completed", conclusion: "success" },
    ]);
    expect(checks[0]?.output.summary).toContain(s.app);
    expect(checks[0]?.actions).toEqual([]);
    expect(s.harness.github.statuses).toEqual([]);
    s.harness.github.assertNoUnexpected();
    s.harness.github.assertNoRefused();
    // At least one installation token was issued and used. Whether this one deploy outlives a
    // token depends on the machine's speed (a quiet run finishes inside one second), so the
    // renewal across several lifetimes is proven deterministically in
    // test/integration/forges/github-app.test.ts, not here.
    expect(s.harness.github.app?.tokens.size).toBeGreaterThanOrEqual(1);
  });

  it("annotates an object refused by validate-before-write at its file and line with the API's message", async () => {
    const s = await setup(
      "github",
      { "apps/web/settings.yaml": configMap("settings", "old") },
      {},
      { githubApp: { id: 92, installations: [{ id: 10, account: "acme" }], tokenTtlMs: 1_000 } },
    );
    const first = await deployFirst(s);
    const broken =
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\nspec:\n  ports:\n    - port: 70000\n";
    await s.repo.write({ "apps/web/more.yaml": `${configMap("extra", "x")}---\n${broken}` });
    const sha = await s.repo.commit("a Service the API refuses");
    const [run] = await pushAndWait(s, first, sha);
    expect(run).toMatchObject({ result: "failed", reason: "ValidationFailed", failedStep: "validate" });
    const check = s.harness.github.checkRunsOf(s.project).find((c) => c.head_sha === sha);
    expect(check?.conclusion).toBe("failure");
    const line = configMap("extra", "x").split("\n").length + 1;
    expect(check?.annotations).toEqual([
      expect.objectContaining({
        path: "apps/web/more.yaml",
        start_line: line,
        end_line: line,
        annotation_level: "failure",
      }),
    ]);
    expect(check?.annotations[0]?.message).toMatch(/Service "broken" is invalid: .*70000/);
    s.harness.github.assertNoUnexpected();
  });
});
