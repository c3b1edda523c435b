import { describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { planSync } from "../../../src/sync/plan.ts";
import type { SyncPlan } from "../../../src/sync/types.ts";

function obj(
  apiVersion: string,
  kind: string,
  name: string,
  annotations?: Record<string, string>,
  extra = {},
): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(annotations ? { annotations } : {}) }, ...extra };
}

const destination = { namespace: "shop", createNamespace: false };

/** `stage: Kind/name, Kind/name` lines: the whole plan in one readable assertion. */
function summary(plan: SyncPlan): string[] {
  return plan.stages.map(
    (stage) =>
      `${stage.name}: ${stage.objects.map((p) => `${p.object.kind}/${p.object.metadata.name}`).join(", ")}`,
  );
}

describe("planSync", () => {
  it("orders namespaces, CRDs, cluster-scoped RBAC, then waves with a stable kind order", () => {
    const plan = planSync({
      app: "shop",
      destination: { namespace: "shop", createNamespace: true },
      objects: [
        obj("networking.k8s.io/v1", "Ingress", "web"),
        obj("apps/v1", "Deployment", "web"),
        obj("v1", "Service", "web"),
        obj("example.com/v1", "Widget", "w"),
        obj("storage.k8s.io/v1", "StorageClass", "fast"),
        obj("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", "web"),
        obj("rbac.authorization.k8s.io/v1", "ClusterRole", "web"),
        obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com", undefined, {
          spec: { group: "example.com", scope: "Namespaced", names: { kind: "Widget" } },
        }),
        obj("v1", "ConfigMap", "b-config"),
        obj("v1", "ConfigMap", "a-config"),
        obj("v1", "Secret", "creds"),
        obj("v1", "ServiceAccount", "web"),
        obj("rbac.authorization.k8s.io/v1", "RoleBinding", "web"),
        obj("v1", "PersistentVolumeClaim", "data"),
      ],
    });
    expect(summary(plan)).toEqual([
      "namespaces: Namespace/shop",
      "crds: CustomResourceDefinition/widgets.example.com",
      "cluster-scoped: ClusterRole/web, ClusterRoleBinding/web, StorageClass/fast",
      "wave 0: ServiceAccount/web, Secret/creds, ConfigMap/a-config, ConfigMap/b-config, PersistentVolumeClaim/data, RoleBinding/web, Service/web, Deployment/web, Ingress/web, Widget/w",
    ]);
    expect(plan.stages[0]?.objects[0]?.tracked).toBe(false);
  });

  it("groups by ferry.dev/sync-wave, falling back to Argo CD's annotation, ascending", () => {
    const plan = planSync({
      app: "shop",
      destination,
      objects: [
        obj("apps/v1", "Deployment", "web"),
        obj("batch/v1", "Job", "migrate", { "ferry.dev/sync-wave": "-1" }),
        obj("v1", "ConfigMap", "late", { "argocd.argoproj.io/sync-wave": "5" }),
        obj("v1", "ConfigMap", "both", { "ferry.dev/sync-wave": "2", "argocd.argoproj.io/sync-wave": "9" }),
        obj("v1", "ConfigMap", "plus", { "ferry.dev/sync-wave": "+2" }),
      ],
    });
    expect(summary(plan)).toEqual([
      "wave -1: Job/migrate",
      "wave 0: Deployment/web",
      "wave 2: ConfigMap/both, ConfigMap/plus",
      "wave 5: ConfigMap/late",
    ]);
  });

  it.each(["one", "1.5", "", "99999999999999999999"])("rejects the wave %j with MANIFEST_INVALID", (wave) => {
    const run = () =>
      planSync({
        app: "shop",
        destination,
        objects: [obj("v1", "ConfigMap", "c", { "ferry.dev/sync-wave": wave })],
      });
    expect(run).toThrow(/ConfigMap shop\/c: ferry.dev\/sync-wave/);
    try {
      run();
    } catch (error) {
      expect(isAppError(error, "MANIFEST_INVALID")).toBe(true);
    }
  });

  it("rejects an object defined twice", () => {
    expect(() =>
      planSync({
        app: "shop",
        destination,
        objects: [obj("v1", "ConfigMap", "c"), obj("v1", "ConfigMap", "c")],
      }),
    ).toThrow(/defined twice/);
  });

  it("stamps namespace, tracking label and tracking annotation", () => {
    const plan = planSync({
      app: "shop",
      destination,
      objects: [obj("v1", "ConfigMap", "c"), obj("rbac.authorization.k8s.io/v1", "ClusterRole", "r")],
    });
    const [cluster, wave] = plan.stages;
    expect(cluster?.objects[0]?.object.metadata).toEqual({
      name: "r",
      labels: { "ferry.dev/app": "shop" },
      annotations: { "ferry.dev/tracking-id": "shop:rbac.authorization.k8s.io/ClusterRole:/r" },
    });
    expect(wave?.objects[0]?.object.metadata).toMatchObject({
      namespace: "shop",
      annotations: { "ferry.dev/tracking-id": "shop:/ConfigMap:shop/c" },
    });
    expect(wave?.objects[0]?.key).toBe("/ConfigMap/shop/c");
  });

  it("uses a declared namespace and does not synthesize one that is already desired", () => {
    const ns = obj("v1", "Namespace", "shop", undefined, {
      metadata: { name: "shop", labels: { team: "a" } },
    });
    const plan = planSync({
      app: "shop",
      destination: { namespace: "shop", createNamespace: true },
      objects: [ns, { ...obj("v1", "ConfigMap", "c"), metadata: { name: "c", namespace: "other" } }],
    });
    expect(summary(plan)).toEqual(["namespaces: Namespace/shop", "wave 0: ConfigMap/c"]);
    expect(plan.stages[0]?.objects[0]?.tracked).toBe(true);
    expect(plan.stages[1]?.objects[0]?.object.metadata.namespace).toBe("other");
  });

  it("takes scopes from discovery before the fallbacks", () => {
    const plan = planSync({
      app: "shop",
      destination,
      objects: [obj("example.com/v1", "Gadget", "g")],
      scopeOf: (apiVersion, kind) => (kind === "Gadget" ? "Cluster" : undefined),
    });
    expect(summary(plan)).toEqual(["cluster-scoped: Gadget/g"]);
    expect(plan.stages[0]?.objects[0]?.object.metadata.namespace).toBeUndefined();
  });

  it("runs Helm pre hooks before the first wave, post hooks after the last, and drops test hooks", () => {
    const hook = (name: string, phases: string, weight?: string) =>
      obj("batch/v1", "Job", name, {
        "helm.sh/hook": phases,
        ...(weight ? { "helm.sh/hook-weight": weight } : {}),
      });
    const plan = planSync({
      app: "shop",
      destination,
      objects: [
        obj("apps/v1", "Deployment", "web", { "ferry.dev/sync-wave": "-3" }),
        hook("migrate", "pre-install,pre-upgrade", "5"),
        hook("check-db", "pre-upgrade", "-1"),
        hook("notify", "post-install,post-upgrade"),
        hook("smoke", "test"),
        hook("cleanup", "pre-delete"),
      ],
    });
    expect(summary(plan)).toEqual([
      "pre-hook weight -1: Job/check-db",
      "pre-hook weight 5: Job/migrate",
      "wave -3: Deployment/web",
      "post-hook weight 0: Job/notify",
    ]);
    expect(plan.dropped.map((d) => d.key)).toEqual(["batch/Job/shop/smoke", "batch/Job/shop/cleanup"]);
    expect(plan.stages[0]?.objects[0]?.hook).toBe("pre");
  });

  it("is stable whatever the input order", () => {
    const objects = [
      obj("v1", "ConfigMap", "b"),
      obj("v1", "Service", "a"),
      obj("v1", "ConfigMap", "a"),
      obj("apps/v1", "Deployment", "a"),
    ];
    const forward = summary(planSync({ app: "shop", destination, objects }));
    const backward = summary(planSync({ app: "shop", destination, objects: [...objects].reverse() }));
    expect(forward).toEqual(backward);
  });
});
