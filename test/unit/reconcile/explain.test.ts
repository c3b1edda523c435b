import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/kube/types.ts";
import { explainFields } from "../../../src/reconcile/explain.ts";
import { fieldChanges, formatPath } from "../../../src/reconcile/fields.ts";
import { containedIn } from "../../../src/sync/compare.ts";
import { ownersOf } from "../../../src/reconcile/managed-fields.ts";

const live: KubeObject = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    namespace: "shop",
    managedFields: [
      {
        manager: "ferry",
        operation: "Apply",
        time: "2025-01-01T00:00:00Z",
        fieldsV1: {
          "f:spec": {
            "f:template": {
              "f:spec": { "f:containers": { 'k:{"name":"web"}': { ".": {}, "f:name": {} } } },
            },
          },
        },
      },
      {
        manager: "kubectl-edit",
        operation: "Update",
        time: "2025-01-02T00:00:00Z",
        fieldsV1: {
          "f:spec": {
            "f:replicas": {},
            "f:template": { "f:spec": { "f:containers": { 'k:{"name":"web"}': { "f:image": {} } } } },
          },
        },
      },
      {
        manager: "kubectl",
        operation: "Update",
        subresource: "scale",
        time: "2025-01-03T00:00:00Z",
        fieldsV1: { "f:spec": { "f:replicas": {} } },
      },
    ],
  },
  spec: { replicas: 5, template: { spec: { containers: [{ name: "web", image: "web:2" }] } } },
};

describe("field changes", () => {
  it("matches named list items by name and formats paths", () => {
    const desired = {
      spec: { replicas: 2, template: { spec: { containers: [{ name: "web", image: "web:1" }] } } },
    };
    const changes = fieldChanges(desired, { spec: live.spec });
    expect(changes.map((change) => formatPath(change.path))).toEqual([
      "spec.replicas",
      "spec.template.spec.containers[name=web].image",
    ]);
    expect(changes[0]).toMatchObject({ desired: 2, live: 5 });
  });

  it("treats a subset with equal values as contained", () => {
    expect(containedIn({ a: { b: [1, { c: 2 }] } }, { a: { b: [1, { c: 2, d: 3 }], e: 1 } })).toBe(true);
    expect(containedIn({ a: [1, 2] }, { a: [1] })).toBe(false);
    expect(containedIn({ a: null }, {})).toBe(true);
  });
});

describe("explanations from managedFields", () => {
  it("names every non-ferry manager of a field, most recent first, with subresources", () => {
    expect(ownersOf(live, ["spec", "replicas"], "ferry")).toEqual(["kubectl (scale)", "kubectl-edit"]);
    expect(
      ownersOf(live, ["spec", "template", "spec", "containers", { index: 0, name: "web" }, "image"], "ferry"),
    ).toEqual(["kubectl-edit"]);
  });

  it("writes `manager changed field old → new` and hides Secret values", () => {
    const [replicas] = explainFields(live, [{ path: ["spec", "replicas"], desired: 2, live: 5 }]);
    expect(replicas?.text).toBe("kubectl (scale), kubectl-edit changed spec.replicas 2 → 5");
    const secret: KubeObject = { ...live, kind: "Secret", apiVersion: "v1" };
    const [hidden] = explainFields(secret, [{ path: ["data", "password"], desired: "YQ==", live: "Yg==" }]);
    expect(hidden?.text).not.toContain("YQ==");
    expect(hidden?.text).toContain("(hidden)");
  });

  it("reports removed fields with the latest other writer as a lead only", () => {
    const [removed] = explainFields(live, [
      { path: ["metadata", "labels", "tier"], desired: "web", live: undefined },
    ]);
    expect(removed?.text).toBe("metadata.labels.tier was removed (was web); last other writer: kubectl");
  });
});
