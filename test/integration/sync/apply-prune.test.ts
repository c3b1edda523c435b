// runSync against the real control plane: apply to Healthy, skip unchanged objects, prune what
// left Git, never delete what is not ours, refuse a large prune before changing anything.
import { describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import { isBadRevision, readHistory } from "../../../src/sync/history.ts";
import { syncMetrics } from "../../../src/sync/metrics.ts";
import { testKubeClient, useNamespace } from "../../support/cluster.ts";
import { configMap, deployment, makeApp, service, sha, sync, useRedis } from "./helpers.ts";
import { syncKey } from "../../../src/keys.ts";
import { registerCallCounts } from "../../../src/observability/call-counts.ts";

const callRegistry = new Registry();
registerCallCounts(callRegistry);

const cm = (namespace: string, name: string) => ({ apiVersion: "v1", kind: "ConfigMap", namespace, name });

describe("runSync apply and prune", () => {
  const ns = useNamespace("sync");
  const redis = useRedis();

  it("applies a small app until Healthy, then applies nothing when nothing changed", async () => {
    const app = makeApp(ns.name);
    const objects = [configMap("web-config"), deployment("web"), service("web")];

    const registry = new Registry();
    const metrics = syncMetrics(registry);
    const first = await sync(redis.client, app, objects, sha(1), {
      options: { pollIntervalMs: 100, metrics },
    });
    expect(first).toMatchObject({ result: "succeeded", health: { status: "Healthy" }, pruned: [] });
    expect(first.applied).toEqual([
      `/ConfigMap/${ns.name}/web-config`,
      `/Service/${ns.name}/web`,
      `apps/Deployment/${ns.name}/web`,
    ]);
    const live = await testKubeClient().get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: ns.name,
      name: "web",
    });
    expect(live?.metadata.annotations?.["ferry.dev/tracking-id"]).toBe(
      `${app.name}:apps/Deployment:${ns.name}/web`,
    );
    expect(live?.metadata.labels?.["ferry.dev/app"]).toBe(app.name);
    const managers = (live?.metadata.managedFields as { manager: string; operation: string }[]).map(
      (m) => m.manager,
    );
    expect(managers).toContain("ferry");

    const second = await sync(redis.client, app, objects, sha(2), { options: { metrics } });
    expect(second).toMatchObject({ result: "succeeded", applied: [], health: { status: "Healthy" } });
    expect(second.unchanged).toHaveLength(3);

    const counted = await registry.getSingleMetricAsString("ferry_sync_objects_total");
    expect(counted).toContain(`ferry_sync_objects_total{app="${app.name}",action="applied"} 3`);
    expect(counted).toContain(`ferry_sync_objects_total{app="${app.name}",action="unchanged"} 3`);
    const history = await readHistory(redis.client, redis.prefix, app.name);
    expect(history.map((h) => [h.revision, h.result, h.changed])).toEqual([
      [sha(2), "succeeded", 0],
      [sha(1), "succeeded", 3],
    ]);
  });

  it("re-applies an object changed by hand even though Git did not change", async () => {
    const app = makeApp(ns.name);
    const objects = [configMap("a"), configMap("b")];
    await sync(redis.client, app, objects, sha(1));
    await testKubeClient().apply(
      { ...configMap("a", { key: "edited" }), metadata: { name: "a", namespace: ns.name } },
      {
        fieldManager: "kubectl-edit",
        force: true,
      },
    );
    const again = await sync(redis.client, app, objects, sha(1));
    expect(again.applied).toEqual([`/ConfigMap/${ns.name}/a`]);
    expect((await testKubeClient().get(cm(ns.name, "a")))?.data).toEqual({ key: "a" });
  });

  it("prunes an object removed from Git", async () => {
    const app = makeApp(ns.name);
    await sync(redis.client, app, [configMap("a"), configMap("b"), configMap("c")], sha(1));
    const outcome = await sync(redis.client, app, [configMap("a"), configMap("b")], sha(2));
    expect(outcome).toMatchObject({ result: "succeeded", pruned: [`/ConfigMap/${ns.name}/c`] });
    expect(await testKubeClient().get(cm(ns.name, "c"))).toBeUndefined();
    expect(await testKubeClient().get(cm(ns.name, "a"))).toBeDefined();
  });

  it("writes the inventory once on a first deploy, and again after a prune drops entries", async () => {
    const app = makeApp(ns.name);
    const patches = async () => {
      const metric = await callRegistry.getSingleMetric("ferry_kube_requests_total")?.get();
      return metric?.values.find((value) => value.labels.verb === "PATCH")?.value ?? 0;
    };
    const inventoryKeys = async () => {
      const live = await testKubeClient().get(cm(ns.name, `ferry-inventory-${app.name}`));
      const data = live?.data as Record<string, string> | undefined;
      const stored = JSON.parse(String(data?.["inventory.json"])) as {
        revision: string;
        entries: { name: string }[];
      };
      return { revision: stored.revision, names: stored.entries.map((entry) => entry.name).sort() };
    };
    // First deploys of 2 and of 3 objects: what one more object costs (a server-side dry-run and
    // an apply), and what is left of the 3-object deploy besides its objects: the inventory.
    const before = await patches();
    await sync(redis.client, makeApp(ns.name), [configMap("t1"), configMap("t2")], sha(1));
    const two = (await patches()) - before;
    const start = await patches();
    await sync(redis.client, app, [configMap("a"), configMap("b"), configMap("c")], sha(1));
    const three = (await patches()) - start;
    const perObject = three - two;
    expect(perObject).toBe(2);
    expect(three - 3 * perObject).toBe(1);
    expect(await inventoryKeys()).toEqual({ revision: sha(1), names: ["a", "b", "c"] });

    // "c" leaves Git: the inventory written before the prune still lists it (a crash would
    // still find it); the one written after does not.
    await sync(redis.client, app, [configMap("a"), configMap("b")], sha(2));
    expect(await inventoryKeys()).toEqual({ revision: sha(2), names: ["a", "b"] });
  });

  it("does not read an object again after applying it when its answer is Healthy", async () => {
    const gets = async () => {
      const metric = await callRegistry.getSingleMetric("ferry_kube_requests_total")?.get();
      return metric?.values.find((value) => value.labels.verb === "GET")?.value ?? 0;
    };
    const firstDeploy = async (count: number) => {
      const objects = Array.from({ length: count }, (_, index) => configMap(`r${count}-${index}`));
      const before = await gets();
      const outcome = await sync(redis.client, makeApp(ns.name), objects, sha(1));
      expect(outcome).toMatchObject({ result: "succeeded", health: { status: "Healthy" } });
      expect(outcome.applied).toHaveLength(count);
      return (await gets()) - before;
    };
    // Both read their ConfigMaps with one LIST; the health waits (per stage and for the app)
    // start from what the apply answered, so 4 more ConfigMaps cost no GET at all (they cost 2
    // each while the waits read every object again).
    expect(await firstDeploy(8)).toBe(await firstDeploy(4));
  });

  it("never deletes an object of the same name without the tracking annotation", async () => {
    const app = makeApp(ns.name);
    const kube = testKubeClient();
    await sync(redis.client, app, [configMap("a"), configMap("b"), configMap("c"), configMap("d")], sha(1));
    // Someone replaces "d" by a hand-made object of the same name.
    await kube.delete(cm(ns.name, "d"));
    await kube.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "d", namespace: ns.name },
        data: { mine: "yes" },
      },
      {
        fieldManager: "someone",
      },
    );
    const outcome = await sync(redis.client, app, [configMap("a"), configMap("b"), configMap("c")], sha(2));
    expect(outcome).toMatchObject({ result: "succeeded", pruned: [] });
    expect((await kube.get(cm(ns.name, "d")))?.data).toEqual({ mine: "yes" });
  });

  it("refuses to prune 80 % of the app and changes nothing", async () => {
    const app = makeApp(ns.name);
    const kube = testKubeClient();
    const names = ["a", "b", "c", "d", "e"];
    await sync(
      redis.client,
      app,
      names.map((n) => configMap(n)),
      sha(1),
    );
    const outcome = await sync(redis.client, app, [configMap("a", { key: "changed" })], sha(2));
    expect(outcome).toMatchObject({
      result: "failed",
      failedStep: "prune-check",
      code: "PRUNE_REFUSED",
      applied: [],
    });
    expect(outcome.message).toContain("4 of 5 objects (80 %)");
    for (const name of names) expect(await kube.get(cm(ns.name, name))).toBeDefined();
    expect((await kube.get(cm(ns.name, "a")))?.data).toEqual({ key: "a" });
    // Nothing was applied, so there is nothing to roll back and no reason to block the SHA.
    expect(await isBadRevision(redis.client, redis.prefix, app.name, sha(2))).toBe(false);
  });

  it("keeps the inventory in a ConfigMap so that losing Redis does not lose it", async () => {
    const app = makeApp(ns.name);
    await sync(redis.client, app, [configMap("a"), configMap("b"), configMap("c")], sha(1));
    await redis.client.del(syncKey(redis.prefix, app.name, "inventory"));
    const outcome = await sync(redis.client, app, [configMap("a"), configMap("b")], sha(2));
    expect(outcome.pruned).toEqual([`/ConfigMap/${ns.name}/c`]);
    const inventory = await testKubeClient().get(cm(ns.name, `ferry-inventory-${app.name}`));
    expect(inventory?.metadata.annotations?.["ferry.dev/tracking-id"]).toBeUndefined();
  });
});
