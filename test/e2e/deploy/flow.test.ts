// Ordering and robustness of the deploy flow: sync waves, two pushes in quick succession, and a
// worker that dies in the middle of a sync.
import { setTimeout as sleep } from "node:timers/promises";
import { Job } from "bullmq";
import { describe, expect, it } from "vitest";
import { readHistory } from "../../../src/sync/history.ts";
import { changedFiles, deployFirst, deployment, deploymentView, job, setup, type Setup } from "./fixtures.ts";

async function post(s: Setup, before: string, after: string): Promise<string[]> {
  const modified = await changedFiles(s.repo, before, after);
  const answer = await s.harness.pushGithub({ repo: s.project, branch: "main", before, after, modified });
  expect(answer.status).toBe(202);
  return answer.jobs;
}

const time = (value: unknown) => Date.parse(String(value));

describe("deploy flow", () => {
  it("completes the wave -1 Job before it applies the wave-0 Deployment", async () => {
    const s = await setup("github", {
      "apps/web/deployment.yaml": deployment("nginx:1.27", { wave: 0 }),
      "apps/web/migrate.yaml": job("migrate", -1),
    });
    await deployFirst(s);
    const migrate = await s.kube.get({
      apiVersion: "batch/v1",
      kind: "Job",
      namespace: s.namespace,
      name: "migrate",
    });
    const web = await s.kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: s.namespace,
      name: "web",
    });
    const completed = time((migrate?.status as { completionTime?: string } | undefined)?.completionTime);
    expect(Number.isNaN(completed)).toBe(false);
    expect(time(web?.metadata.creationTimestamp)).toBeGreaterThanOrEqual(completed);
    expect(await deploymentView(s.kube, s.namespace)).toEqual({ image: "nginx:1.27", available: true });
  });

  it("ends two pushes 100 ms apart with the newer commit applied, once", async () => {
    const s = await setup("github", { "apps/web/deployment.yaml": deployment("nginx:1.27") });
    const first = await deployFirst(s);

    await s.repo.write({ "apps/web/deployment.yaml": deployment("nginx:1.28") });
    const older = await s.repo.commit("1.28");
    const jobs = await post(s, first, older);
    // The scenario itself: a second merge lands 100 ms after the first one's webhook.
    await sleep(100);
    await s.repo.write({ "apps/web/deployment.yaml": deployment("nginx:1.29") });
    const newer = await s.repo.commit("1.29");
    jobs.push(...(await post(s, older, newer)));
    await s.harness.finished(jobs);
    await s.harness.idle();

    expect(await deploymentView(s.kube, s.namespace)).toEqual({ image: "nginx:1.29", available: true });
    const history = await readHistory(s.harness.runtime.redis, s.harness.runtime.prefix, s.app);
    expect(history.filter((record) => record.revision === newer)).toMatchObject([{ result: "succeeded" }]);
    expect(history.filter((record) => record.revision === older && record.result !== "succeeded")).toEqual(
      [],
    );
  });

  it("finishes a sync whose worker was killed mid-way on a new worker", async () => {
    const s = await setup("github", { "apps/web/deployment.yaml": deployment("nginx:1.27") });
    const first = await deployFirst(s);

    await s.repo.write({ "apps/web/deployment.yaml": deployment("nginx:1.28") });
    const sha = await s.repo.commit("1.28");
    const [id] = await post(s, first, sha);
    // Mid-sync: the new image is applied, health is not yet proven.
    await expect
      .poll(async () => (await deploymentView(s.kube, s.namespace)).image, { timeout: 30_000, interval: 20 })
      .toBe("nginx:1.28");
    s.harness.worker.cancelAllJobs("worker killed");
    await s.harness.worker.close(true);
    await s.harness.startWorker();

    const [run] = await s.harness.finished([id ?? ""]);
    expect(run).toMatchObject({ result: "succeeded", revision: sha });
    const finishedJob = await Job.fromId(s.harness.runtime.enqueuer.queues.sync, id ?? "");
    expect(finishedJob?.attemptsStarted).toBeGreaterThanOrEqual(2);
    expect(await deploymentView(s.kube, s.namespace)).toEqual({ image: "nginx:1.28", available: true });
    const history = await readHistory(s.harness.runtime.redis, s.harness.runtime.prefix, s.app);
    expect(history[0]).toMatchObject({ revision: sha, result: "succeeded" });
  });
});
