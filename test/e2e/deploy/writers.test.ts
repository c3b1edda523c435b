// One writer per app: a self-heal and a sync of the same app never interleave. The heal checks
// drift against the last applied revision, so a heal that ran while a sync was mid-way would
// force the previous revision back over the new one. Both take the app's one lock; a heal that
// finds it taken is skipped (and retried later), it never waits.
import { describe, expect, it } from "vitest";
import { runDeploy } from "../../../src/deploy/pipeline.ts";
import { processReconcileJob } from "../../../src/reconcile/process.ts";
import { readAppStatus } from "../../../src/reconcile/status.ts";
import { readHistory } from "../../../src/sync/history.ts";
import { reconcileDeps } from "../../../workers/reconcile.ts";
import { deployFirst, deployment, deploymentView, job, setup, type Setup } from "./fixtures.ts";

/**
 * An app with selfHeal deployed at nginx:1.27, and a new commit whose sync holds the lock a
 * while (a wave-1 Job runs after the Deployment).
 */
async function deployedWithNewCommit(): Promise<{ s: Setup; sha: string }> {
  const s = await setup(
    "github",
    { "apps/web/deployment.yaml": deployment("nginx:1.27") },
    { selfHeal: true },
  );
  await deployFirst(s);
  await s.repo.write({
    "apps/web/deployment.yaml": deployment("nginx:1.28"),
    "apps/web/migrate.yaml": job("migrate", 1),
  });
  return { s, sha: await s.repo.commit("1.28 and a post-deploy job") };
}

/** Runs a watch-triggered reconcile (drift check and self-heal) as the reconcile worker does. */
function healer(s: Setup) {
  const deps = { ...reconcileDeps(s.harness.runtime), lockedRetryMs: 60_000 };
  return () => processReconcileJob({ app: s.app, trigger: "watch" }, deps);
}

describe("one writer per app", () => {
  it("skips a heal that comes while a sync holds the app's lock; the sync's revision stays", async () => {
    const { s, sha } = await deployedWithNewCommit();
    const heal = healer(s);
    // Run directly (not through the queue), so no "sync in flight" job can keep the heal away:
    // only the lock does.
    const syncing = runDeploy({ app: s.app, reason: "manual" }, s.harness.runtime, { pollIntervalMs: 100 });
    // Mid-sync: the new image is applied (the live object now differs from the last applied
    // revision, 1.27), health and the wave-1 Job are not done.
    await expect
      .poll(async () => (await deploymentView(s.kube, s.namespace)).image, { timeout: 30_000, interval: 20 })
      .toBe("nginx:1.28");
    const skipped = await heal();
    expect(skipped).toMatchObject({ status: "Syncing", heal: "AppLocked" });
    expect((await readAppStatus(s.harness.runtime.redis, s.app, s.harness.prefix))?.status).toBe("Syncing");
    const retries = await s.harness.runtime.enqueuer.queues.reconcile.getDelayed();
    expect(retries.map((retry): unknown => retry.data)).toEqual([{ app: s.app, trigger: "heal" }]);

    expect(await syncing).toMatchObject({ result: "succeeded", revision: sha });
    expect((await deploymentView(s.kube, s.namespace)).image).toBe("nginx:1.28");
    // The retried run compares with the sync's revision: nothing to heal.
    expect(await heal()).toMatchObject({ status: "Synced", drifted: 0 });
    expect((await deploymentView(s.kube, s.namespace)).image).toBe("nginx:1.28");
  });

  it("ends with the sync's revision when a heal and a sync start together", async () => {
    const { s, sha } = await deployedWithNewCommit();
    const heal = healer(s);
    const [synced, healed] = await Promise.all([
      runDeploy({ app: s.app, reason: "manual" }, s.harness.runtime, { pollIntervalMs: 100 }),
      heal(),
    ]);
    expect(synced).toMatchObject({ result: "succeeded", revision: sha });
    // Either the heal found the lock taken, or it ran first (nothing had drifted yet) and the
    // sync waited for it.
    expect(["AppLocked", undefined]).toContain(healed.heal);
    expect(await deploymentView(s.kube, s.namespace)).toEqual({ image: "nginx:1.28", available: true });
    const history = await readHistory(s.harness.runtime.redis, s.harness.prefix, s.app);
    expect(history[0]).toMatchObject({ revision: sha, result: "succeeded" });
  });
});
