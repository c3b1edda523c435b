import { describe, expect, it } from "vitest";
import { containedIn } from "../../../src/sync/compare.ts";
import { needsApply } from "../../../src/sync/apply.ts";
import { manifestHash, type InventoryEntry } from "../../../src/sync/inventory.ts";
import type { PlannedObject } from "../../../src/sync/types.ts";

const desired = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", namespace: "shop", labels: { app: "web" } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: "app", image: "nginx:1.27" }] } } },
};
const live = {
  ...desired,
  metadata: { ...desired.metadata, uid: "u", resourceVersion: "7", labels: { app: "web", extra: "x" } },
  spec: {
    replicas: 2,
    strategy: { type: "RollingUpdate" },
    template: {
      spec: {
        containers: [{ name: "app", image: "nginx:1.27", imagePullPolicy: "IfNotPresent" }],
        dnsPolicy: "ClusterFirst",
      },
    },
  },
  status: { replicas: 2 },
};

describe("containedIn", () => {
  it("ignores fields the server added", () => {
    expect(containedIn(desired, live)).toBe(true);
  });
  it("sees a changed value, a shorter list and a missing field", () => {
    expect(containedIn({ ...desired, spec: { ...desired.spec, replicas: 3 } }, live)).toBe(false);
    expect(
      containedIn({ ...desired, spec: { ...desired.spec, template: { spec: { containers: [] } } } }, live),
    ).toBe(false);
    expect(containedIn({ ...desired, spec: { ...desired.spec, paused: true } }, live)).toBe(false);
  });
  it("reads null as 'absent'", () => {
    expect(containedIn({ spec: { paused: null } }, live)).toBe(true);
    expect(containedIn({ spec: { replicas: null } }, live)).toBe(false);
  });
});

describe("needsApply", () => {
  const planned: PlannedObject = { object: desired, key: "apps/Deployment/shop/web", wave: 0, tracked: true };
  const entry = (hash: string): InventoryEntry => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    namespace: "shop",
    name: "web",
    wave: 0,
    hash,
  });

  it("skips an object whose manifest is unchanged and not drifted", () => {
    expect(needsApply(planned, live, entry(manifestHash(desired)))).toBe(false);
  });
  it("applies a missing object, a changed manifest, and a drifted one", () => {
    expect(needsApply(planned, undefined, entry(manifestHash(desired)))).toBe(true);
    expect(needsApply(planned, live, entry("other"))).toBe(true);
    expect(needsApply(planned, live, undefined)).toBe(true);
    expect(
      needsApply(planned, { ...live, spec: { ...live.spec, replicas: 5 } }, entry(manifestHash(desired))),
    ).toBe(true);
  });
  it("only creates untracked objects, never updates them", () => {
    const ns: PlannedObject = {
      object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } },
      key: "/Namespace//shop",
      wave: 0,
      tracked: false,
    };
    expect(needsApply(ns, undefined, undefined)).toBe(true);
    expect(needsApply(ns, { ...ns.object, metadata: { name: "shop", labels: { a: "b" } } }, undefined)).toBe(
      false,
    );
  });
});
