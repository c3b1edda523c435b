// Server-side dry run reports the API's own validation errors without changing anything, and
// discovery finds a CRD's kind right after the CRD is applied.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { testKubeClient, useNamespace } from "../../support/cluster.ts";
import { waitFor } from "../../support/process.ts";

const deployment = (namespace: string, app: string): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "api", namespace },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app } },
    template: { metadata: { labels: { app } }, spec: { containers: [{ name: "api", image: "api:1" }] } },
  },
});

describe("server-side dry run", () => {
  const ns = useNamespace("dryrun");

  it("returns the API's Invalid error for a changed Deployment selector and changes nothing", async () => {
    const kube = testKubeClient();
    const before = await kube.apply(deployment(ns.name, "api"));
    const error = await kube.apply(deployment(ns.name, "api-v2"), { dryRun: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAppError(error, "KUBE_REJECTED")).toBe(true);
    const details = isAppError(error) ? error.details : {};
    expect(details).toMatchObject({ httpStatus: 422, reason: "Invalid", code: 422 });
    expect(String(details?.message)).toContain("field is immutable");
    expect(JSON.stringify(details?.causes)).toContain("spec.selector");

    const after = await kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "api",
      namespace: ns.name,
    });
    // resourceVersion moves with status updates; generation only with spec changes.
    expect(after?.metadata.generation).toBe(before.metadata.generation);
    expect(after?.spec).toMatchObject({ selector: { matchLabels: { app: "api" } } });
  });

  it("dry-runs a valid change without storing it", async () => {
    const kube = testKubeClient();
    await kube.apply(deployment(ns.name, "api"));
    const changed = {
      ...deployment(ns.name, "api"),
      spec: { ...deployment(ns.name, "api").spec!, replicas: 5 },
    };
    const preview = await kube.apply(changed, { dryRun: true });
    expect((preview.spec as { replicas: number }).replicas).toBe(5);
    const live = await kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: "api",
      namespace: ns.name,
    });
    expect((live?.spec as { replicas: number }).replicas).toBe(1);
  });
});

describe("custom resources", () => {
  const ns = useNamespace("crd");

  it("applies a CRD, waits for Established and applies a custom resource of it", async () => {
    const kube = testKubeClient();
    // Cluster-scoped: a random group keeps parallel runs apart.
    const group = `t${randomBytes(4).toString("hex")}.ferry.test`;
    const crdName = `widgets.${group}`;
    const crdRef = { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: crdName };
    // Looked up before the CRD exists: the cached miss must not hide the kind later.
    await expect(kube.resource(`${group}/v1`, "Widget")).rejects.toMatchObject({ code: "KUBE_REJECTED" });
    try {
      await kube.apply({
        apiVersion: crdRef.apiVersion,
        kind: crdRef.kind,
        metadata: { name: crdName },
        spec: {
          group,
          scope: "Namespaced",
          names: { plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList" },
          versions: [
            {
              name: "v1",
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: "object",
                  properties: { spec: { type: "object", properties: { size: { type: "integer" } } } },
                },
              },
            },
          ],
        },
      });
      await waitFor(
        `${crdName} to be Established`,
        async () => {
          const crd = await kube.get(crdRef);
          const conditions = (crd?.status as { conditions?: Array<{ type: string; status: string }> })
            .conditions;
          return conditions?.some((c) => c.type === "Established" && c.status === "True") ?? false;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      const widget = await kube.apply({
        apiVersion: `${group}/v1`,
        kind: "Widget",
        metadata: { name: "w1", namespace: ns.name },
        spec: { size: 3 },
      });
      expect(widget.spec).toEqual({ size: 3 });
      expect(await kube.resource(`${group}/v1`, "Widget")).toMatchObject({
        plural: "widgets",
        namespaced: true,
      });
      const listed = await kube.list([{ apiVersion: `${group}/v1`, kind: "Widget" }], { namespace: ns.name });
      expect(listed.map((o) => o.metadata.name)).toEqual(["w1"]);
    } finally {
      await kube.delete(crdRef);
    }
  });
});
