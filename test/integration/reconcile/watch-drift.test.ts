// Drift made by other field managers, seen through the watch path: a merge patch under
// "kubectl-edit" or a deletion enqueues a watch-triggered reconcile, which explains the drift
// from managedFields and heals it (selfHeal on) or reports it (selfHeal off). Fields listed in
// ignoreDifferences are neither reported nor reverted.
import { afterEach, describe, expect, it } from "vitest";
import type { AppConfig } from "../../../src/config/schema.ts";
import { readCorrections } from "../../../src/reconcile/heal.ts";
import { readAppStatus } from "../../../src/reconcile/status.ts";
import type { Watcher } from "../../../src/reconcile/watcher.ts";
import { testKubeClient, useNamespace } from "../../support/cluster.ts";
import {
  appConfig,
  applyAsFerry,
  configMap,
  configMapPath,
  deployment,
  deploymentPath,
  eventually,
  harness,
  mergePatch,
  liveReplicas,
  testWatcher,
  type Harness,
} from "./helpers.ts";

const ns = useNamespace("recon");
let cleanup: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function setUp(app: AppConfig): Promise<{ h: Harness; watcher: Watcher }> {
  const h = harness([app]);
  await applyAsFerry(h, app.name, "a".repeat(40), [deployment(ns.name, 2), configMap(ns.name)]);
  h.startWorker();
  const watcher = testWatcher(h, { debounceMs: 100 });
  cleanup.push(
    () => h.close(),
    () => watcher.stop(),
  );
  await eventually("the watcher to list its kinds", () => Promise.resolve(watcher.isWatching()));
  return { h, watcher };
}

describe("drift through the watch path", () => {
  it("reports a change by another field manager and leaves it alone without selfHeal", async () => {
    const app = appConfig("shop", ns.name, { sync: { selfHeal: false } });
    const { h } = await setUp(app);
    const started = Date.now();
    await mergePatch(deploymentPath(ns.name), { spec: { replicas: 5 } }, "kubectl-edit");
    const status = await eventually("OutOfSync status", async () => {
      const current = await readAppStatus(h.redis, app.name, h.prefix);
      return current?.status === "OutOfSync" ? current : undefined;
    });
    console.log(`drift reported ${Date.now() - started} ms after the patch`);
    expect(status.drifted).toHaveLength(1);
    expect(status.drifted[0]).toMatchObject({ kind: "Deployment", name: "web", state: "modified" });
    expect(status.drifted[0]?.summary).toEqual([
      `Deployment ${ns.name}/web: kubectl-edit changed spec.replicas 2 → 5`,
    ]);
    expect(status.drifted[0]?.fields[0]).toMatchObject({
      field: "spec.replicas",
      managers: ["kubectl-edit"],
    });
    expect(await liveReplicas(ns.name)).toBe(5);
    expect(await readCorrections(h.redis, h.prefix, app.name)).toEqual([]);
    const detected = await h.registry.getSingleMetricAsString("ferry_drift_detected_total");
    expect(detected).toContain('app="shop",state="modified"');
    const byStatus = await h.registry.getSingleMetricAsString("ferry_apps_by_status");
    expect(byStatus).toContain('ferry_apps_by_status{status="OutOfSync"} 1');
    expect(byStatus).toContain('ferry_apps_by_status{status="Synced"} 0');
  });

  it("heals the change with selfHeal, records the correction, and recreates a deleted object", async () => {
    const app = appConfig("shop", ns.name, { sync: { selfHeal: true } });
    const { h } = await setUp(app);
    await mergePatch(deploymentPath(ns.name), { spec: { replicas: 5 } }, "kubectl-edit");
    await eventually("replicas back at 2", async () => (await liveReplicas(ns.name)) === 2);
    const [first] = await readCorrections(h.redis, h.prefix, app.name);
    expect(first?.objects[0]?.summary).toEqual([
      `Deployment ${ns.name}/web: kubectl-edit changed spec.replicas 2 → 5`,
    ]);

    const kube = testKubeClient();
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name: "settings" };
    await kube.delete(ref);
    const back = await eventually("the ConfigMap recreated", () => kube.get(ref));
    expect(back.data).toEqual({ color: "blue" });
    // The heal records its correction after its apply: the object can be back a moment before.
    const corrections = await eventually("the second correction recorded", async () => {
      const recorded = await readCorrections(h.redis, h.prefix, app.name);
      return recorded.length >= 2 ? recorded : undefined;
    });
    expect(corrections[0]?.objects).toEqual([
      expect.objectContaining({ state: "deleted", summary: [`ConfigMap ${ns.name}/settings was deleted`] }),
    ]);
    const status = await eventually("Synced status", async () => {
      const current = await readAppStatus(h.redis, app.name, h.prefix);
      return current?.status === "Synced" ? current : undefined;
    });
    expect(status.lastCorrection?.objects).toEqual([`/ConfigMap/${ns.name}/settings`]);
    expect(await h.registry.getSingleMetricAsString("ferry_drift_corrected_total")).toContain(
      'app="shop"} 2',
    );
  });

  it("never reports nor reverts a field in ignoreDifferences (HPA-managed replicas)", async () => {
    const app = appConfig("shop", ns.name, {
      sync: { selfHeal: true },
      ignoreDifferences: [{ kind: "Deployment", jsonPointers: ["/spec/replicas"] }],
    });
    const { h } = await setUp(app);
    await mergePatch(deploymentPath(ns.name), { spec: { replicas: 7 } }, "horizontal-pod-autoscaler");
    // A second, non-ignored change afterwards: once it is healed, the replicas change has
    // certainly been seen by a reconcile run too.
    await mergePatch(configMapPath(ns.name), { data: { color: "red" } }, "kubectl-edit");
    await eventually("the ConfigMap healed", async () => {
      const live = await testKubeClient().get({
        apiVersion: "v1",
        kind: "ConfigMap",
        namespace: ns.name,
        name: "settings",
      });
      return (live?.data as Record<string, string> | undefined)?.color === "blue";
    });
    expect(await liveReplicas(ns.name)).toBe(7);
    const corrections = await readCorrections(h.redis, h.prefix, app.name);
    const summaries = corrections.flatMap((item) => item.objects.flatMap((object) => object.summary));
    expect(summaries).toEqual([`ConfigMap ${ns.name}/settings: kubectl-edit changed data.color blue → red`]);
    const status = await readAppStatus(h.redis, app.name, h.prefix);
    expect(status?.drifted ?? []).toEqual([]);
  });
});
