// The stages before the waves: a namespace Ferry creates, a CRD and its custom resource in
// the same sync, and Helm hooks (pre hooks run first and are recreated when they change).
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { KubeObject, ObjectRef } from "../../../src/kube/types.ts";
import { testKubeClient, useNamespace } from "../../support/cluster.ts";
import { deployment, makeApp, sha, sync, useRedis } from "./helpers.ts";

function crd(group: string): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
    },
  };
}

function hookJob(name: string, phases: string, arg: string): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, annotations: { "helm.sh/hook": phases } },
    spec: {
      backoffLimit: 0,
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "run", image: "busybox:1.36", args: [arg] }] },
      },
    },
  };
}

describe("runSync namespaces, CRDs and hooks", () => {
  const ns = useNamespace("hook");
  const redis = useRedis();
  const cleanups: ObjectRef[] = [];
  afterEach(async () => {
    const kube = testKubeClient();
    for (const ref of cleanups.splice(0)) await kube.delete(ref);
  });

  // This sync used to fail now and then: the CRD was Established before discovery served its
  // kind (served.test.ts reproduces that moment deterministically).
  it("creates the destination namespace, establishes a CRD and applies its custom resource in one sync", async () => {
    const group = `t${randomBytes(4).toString("hex")}.example.com`;
    const namespace = `created-${randomBytes(4).toString("hex")}`;
    cleanups.push(
      { apiVersion: "v1", kind: "Namespace", name: namespace },
      { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: `widgets.${group}` },
    );
    const app = {
      ...makeApp(namespace),
      destination: { cluster: "test", namespace, createNamespace: true },
    };
    const widget: KubeObject = {
      apiVersion: `${group}/v1`,
      kind: "Widget",
      metadata: { name: "w1" },
      spec: { size: 3 },
    };

    const outcome = await sync(redis.client, app, [widget, crd(group)], sha(1));
    expect(outcome).toMatchObject({ result: "succeeded", health: { status: "Healthy" } });
    expect(outcome.applied).toEqual([
      `/Namespace//${namespace}`,
      `apiextensions.k8s.io/CustomResourceDefinition//widgets.${group}`,
      `${group}/Widget/${namespace}/w1`,
    ]);
    const kube = testKubeClient();
    const live = await kube.get({ apiVersion: `${group}/v1`, kind: "Widget", namespace, name: "w1" });
    expect(live?.spec).toEqual({ size: 3 });
    // The synthesized namespace is created, not owned: no tracking label, never in the inventory.
    const created = await kube.get({ apiVersion: "v1", kind: "Namespace", name: namespace });
    expect(created?.metadata.labels?.["ferry.dev/app"]).toBeUndefined();
    const inventory = await kube.get({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace,
      name: `ferry-inventory-${app.name}`,
    });
    const text = (inventory?.data as Record<string, string> | undefined)?.["inventory.json"] ?? "{}";
    const entries = (JSON.parse(text) as { entries?: { kind: string }[] }).entries ?? [];
    expect(entries.map((entry) => entry.kind).sort()).toEqual(["CustomResourceDefinition", "Widget"]);
  });

  it("runs pre hooks before the waves, recreates a changed hook and drops test hooks", async () => {
    const app = makeApp(ns.name);
    const kube = testKubeClient();
    const jobRef = { apiVersion: "batch/v1", kind: "Job", namespace: ns.name, name: "migrate" };
    const objects = (arg: string) => [
      deployment("web"),
      hookJob("migrate", "pre-install,pre-upgrade", arg),
      hookJob("smoke", "test", arg),
    ];

    const first = await sync(redis.client, app, objects("v1"), sha(1));
    expect(first.applied).toEqual([`batch/Job/${ns.name}/migrate`, `apps/Deployment/${ns.name}/web`]);
    const firstUid = (await kube.get(jobRef))?.metadata.uid;

    const unchanged = await sync(redis.client, app, objects("v1"), sha(2));
    expect(unchanged.applied).toEqual([]);
    expect((await kube.get(jobRef))?.metadata.uid).toBe(firstUid);

    const changed = await sync(redis.client, app, objects("v2"), sha(3));
    expect(changed).toMatchObject({ result: "succeeded", applied: [`batch/Job/${ns.name}/migrate`] });
    const rerun = await kube.get(jobRef);
    expect(rerun?.metadata.uid).not.toBe(firstUid);
    expect((rerun?.status as { succeeded?: number }).succeeded).toBe(1);
    expect(await kube.get({ ...jobRef, name: "smoke" })).toBeUndefined();
  });

  it("recreates a changed plain Job marked Recreate=true instead of failing on its immutable template", async () => {
    const app = makeApp(ns.name);
    const kube = testKubeClient();
    const jobRef = { apiVersion: "batch/v1", kind: "Job", namespace: ns.name, name: "seed" };
    const seed = (arg: string): KubeObject => {
      const job = hookJob("seed", "", arg);
      job.metadata.annotations = { "ferry.dev/sync-wave": "-1", "ferry.dev/sync-options": "Recreate=true" };
      return job;
    };
    expect((await sync(redis.client, app, [seed("v1")], sha(1))).result).toBe("succeeded");
    const firstUid = (await kube.get(jobRef))?.metadata.uid;
    const outcome = await sync(redis.client, app, [seed("v2")], sha(2));
    expect(outcome).toMatchObject({ result: "succeeded", applied: [`batch/Job/${ns.name}/seed`] });
    const rerun = await kube.get(jobRef);
    expect(rerun?.metadata.uid).not.toBe(firstUid);
    const args = (rerun?.spec as { template: { spec: { containers: { args: string[] }[] } } }).template.spec
      .containers[0]?.args;
    expect(args).toEqual(["v2"]);
  });
});
