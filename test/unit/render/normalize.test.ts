import { describe, expect, it } from "vitest";
import { APP_LABEL, TRACKING_ANNOTATION, type KubeObject } from "../../../src/kube/types.ts";
import { normalizeObjects } from "../../../src/render/normalize.ts";

const object = (apiVersion: string, kind: string, name: string, namespace?: string): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}), labels: { keep: "me" } },
});

describe("normalizeObjects", () => {
  it("defaults the namespace of namespaced kinds, strips it from cluster-scoped ones and tracks every object", () => {
    const crd: KubeObject = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: "widgets.acme.io" },
      spec: { group: "acme.io", scope: "Cluster", names: { kind: "Widget" } },
    };
    const out = normalizeObjects(
      [
        object("apps/v1", "Deployment", "web"),
        object("v1", "Service", "web", "other"),
        object("rbac.authorization.k8s.io/v1", "ClusterRole", "reader", "stray"),
        object("v1", "Namespace", "team"),
        crd,
        object("acme.io/v1", "Widget", "w"),
        object("acme.io/v1", "Gadget", "g"),
      ],
      { app: "shop", namespace: "prod" },
    );
    expect(out.map((item) => item.metadata.namespace)).toEqual([
      "prod",
      "other",
      undefined,
      undefined,
      undefined,
      undefined,
      "prod",
    ]);
    expect(out[0]?.metadata.labels).toEqual({ keep: "me", [APP_LABEL]: "shop" });
    expect(out[0]?.metadata.annotations?.[TRACKING_ANNOTATION]).toBe("shop:apps/Deployment:prod/web");
    expect(out[2]?.metadata.annotations?.[TRACKING_ANNOTATION]).toBe(
      "shop:rbac.authorization.k8s.io/ClusterRole:/reader",
    );
  });

  it("lets discovery decide for kinds it does not know", () => {
    const out = normalizeObjects([object("cert-manager.io/v1", "ClusterIssuer", "ca")], {
      app: "a",
      namespace: "n",
      isClusterScoped: (group, kind) =>
        group === "cert-manager.io" && kind === "ClusterIssuer" ? true : undefined,
    });
    expect(out[0]?.metadata.namespace).toBeUndefined();
  });
});
