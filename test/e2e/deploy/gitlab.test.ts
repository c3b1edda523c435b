// Deploy on merge from GitLab Push Hooks: the merged image goes live, the MR gets its note; and a
// change whose Deployment never becomes Available is rolled back by itself, reported on the MR
// with a revert MR opened (sync.openRevert), and not applied again by the next poll.
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { deployContext } from "../../../src/report/index.ts";
import { NEVER_READY_LABEL } from "../../support/cluster.ts";
import { changedFiles, deployment, deploymentView, setup, ZERO, type Setup } from "./fixtures.ts";

async function push(s: Setup, before: string, after: string, mergeRequest?: number) {
  if (mergeRequest !== undefined)
    s.harness.gitlab.seedMergeRequest(s.project, {
      iid: mergeRequest,
      sha: `feature-${mergeRequest}`,
      state: "merged",
      commits: [after],
    });
  const modified = await changedFiles(s.repo, before, after);
  const answer = await s.harness.pushGitlab({ repo: s.project, branch: "main", before, after, modified });
  expect(answer.status).toBe(202);
  return s.harness.finished(answer.jobs);
}

function statesOf(s: Setup, sha: string): string[] {
  return s.harness.gitlab.statuses
    .filter((status) => status.sha === sha && status.name === deployContext(s.app))
    .map((status) => status.status);
}

describe("deploy from a GitLab push", () => {
  it("puts the merged image live and Available and notes it on the merged MR", async () => {
    const s = await setup("gitlab", { "apps/web/deployment.yaml": deployment("nginx:1.27") });
    const first = await s.repo.head();
    expect(await push(s, ZERO, first)).toMatchObject([{ result: "succeeded" }]);

    await s.repo.write({ "apps/web/deployment.yaml": deployment("nginx:1.28") });
    const sha = await s.repo.commit("bump nginx");
    const started = performance.now();
    const [run] = await push(s, first, sha, 4);
    console.log(`GitLab push → healthy (job done): ${(performance.now() - started).toFixed(0)} ms`);

    expect(run).toMatchObject({ result: "succeeded", revision: sha });
    expect(await deploymentView(s.kube, s.namespace)).toEqual({ image: "nginx:1.28", available: true });
    expect(statesOf(s, sha)).toEqual(["pending", "success"]);
    const notes = s.harness.gitlab.notes(s.project, 4);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toContain(`Deployed **${s.app}** to **local** at`);
    s.harness.gitlab.assertNoUnexpected();
  });

  it("rolls a never-available Deployment back to the previous image, opens a revert MR, and the next poll skips it", async () => {
    const s = await setup(
      "gitlab",
      { "apps/web/deployment.yaml": deployment("nginx:1.27") },
      {
        healthTimeout: "8s",
        openRevert: true,
      },
    );
    const good = await s.repo.head();
    expect(await push(s, ZERO, good)).toMatchObject([{ result: "succeeded" }]);

    await s.repo.write({
      "apps/web/deployment.yaml": deployment("nginx:1.28", { labels: { [NEVER_READY_LABEL]: "true" } }),
    });
    const bad = await s.repo.commit("a release that never becomes ready");
    const [run] = await push(s, good, bad, 5);

    expect(run).toMatchObject({
      result: "rolled-back",
      reason: "RolledBack",
      rolledBackTo: good,
      code: "HEALTH_TIMEOUT",
    });
    expect(await deploymentView(s.kube, s.namespace)).toEqual({ image: "nginx:1.27", available: true });
    expect(statesOf(s, bad)).toEqual(["pending", "failed"]);
    const [note] = s.harness.gitlab.notes(s.project, 5);
    expect(note?.body).toContain(`Rolled back **${s.app}** on **local** to`);
    expect(note?.body).toContain(good.slice(0, 7));
    expect(note?.body).toContain("not healthy after 8 s");
    expect(note?.body).toContain("A revert was opened");
    expect(s.harness.gitlab.reverts).toEqual([
      { project: s.project, sha: bad, branch: `ferry/revert-${bad.slice(0, 12)}` },
    ]);

    // The branch head is still the bad commit: a poll-triggered sync must leave it alone.
    const id = await s.harness.runtime.enqueuer.enqueueSync({ app: s.app, reason: "poll", sha: bad });
    expect(await s.harness.finished([id])).toMatchObject([
      { result: "skipped", reason: "HeldBack", revision: bad },
    ]);
    expect(await deploymentView(s.kube, s.namespace)).toEqual({ image: "nginx:1.27", available: true });
    expect(statesOf(s, bad)).toEqual(["pending", "failed"]);

    // The pipeline binds app and revision once; the engine, deploy and rollback do not bind them
    // again, so no line carries them twice (the rollback adds only rollbackTo).
    const lines = s.harness.logs
      .text()
      .split("\n")
      .filter((line) => /"msg":"(sync planned|rolling back)"/.test(line));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line.match(/"app":/g), line).toHaveLength(1);
      expect(line.match(/"revision":/g), line).toHaveLength(1);
    }
  });
});
