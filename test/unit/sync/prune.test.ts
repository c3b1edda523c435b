import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors.ts";
import { trackingId, type KubeObject } from "../../../src/kube/types.ts";
import { entryKey, manifestHash, mergeEntries, type InventoryEntry } from "../../../src/sync/inventory.ts";
import { hasSyncOption } from "../../../src/sync/options.ts";
import { decidePrune, inventoryAfterPrune, type PruneInput } from "../../../src/sync/prune.ts";

function entry(kind: string, name: string, extra: Partial<InventoryEntry> = {}): InventoryEntry {
  const apiVersion =
    kind === "Deployment"
      ? "apps/v1"
      : kind === "CustomResourceDefinition"
        ? "apiextensions.k8s.io/v1"
        : "v1";
  const clusterScoped = kind === "Namespace" || kind === "CustomResourceDefinition";
  return {
    apiVersion,
    kind,
    name,
    wave: 0,
    hash: "",
    ...(clusterScoped ? {} : { namespace: "shop" }),
    ...extra,
  };
}

/** The live copy of an entry, tracked by `app` unless told otherwise. */
function live(
  e: InventoryEntry,
  app: string | null = "shop",
  annotations: Record<string, string> = {},
): KubeObject {
  const object: KubeObject = {
    apiVersion: e.apiVersion,
    kind: e.kind,
    metadata: { name: e.name, ...(e.namespace ? { namespace: e.namespace } : {}) },
  };
  const tracking: Record<string, string> =
    app === null ? {} : { "ferry.dev/tracking-id": trackingId(app, object) };
  object.metadata.annotations = { ...tracking, ...annotations };
  return object;
}

function input(
  inventory: InventoryEntry[],
  desired: InventoryEntry[],
  overrides: Partial<PruneInput> = {},
): PruneInput {
  return {
    app: "shop",
    inventory,
    desiredKeys: new Set(desired.map(entryKey)),
    live: new Map(inventory.map((e) => [entryKey(e), live(e)])),
    pruneBudget: 0.5,
    allowPrune: [],
    ...overrides,
  };
}

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
}

const a = entry("ConfigMap", "a");
const b = entry("ConfigMap", "b");
const c = entry("Service", "c");
const d = entry("Deployment", "d");

describe("decidePrune", () => {
  it("deletes inventory entries that are no longer desired", () => {
    const decision = decidePrune(input([a, b, c, d], [a, b, c]));
    expect(decision.delete).toEqual([d]);
    expect(decision.keep).toEqual([]);
  });

  it("never deletes an object without this app's tracking annotation", () => {
    const handMade = new Map<string, KubeObject>([
      [entryKey(d), live(d, null)],
      [entryKey(c), live(c, "other-app")],
    ]);
    const decision = decidePrune(input([a, b, c, d], [a, b], { live: handMade }));
    expect(decision.delete).toEqual([]);
    expect(decision.keep.map((k) => k.reason)).toEqual(["not-tracked", "not-tracked"]);
  });

  it("does not delete what is not in the inventory, even when tracked", () => {
    expect(decidePrune(input([a], [a])).delete).toEqual([]);
  });

  it("keeps objects marked Prune=false", () => {
    const marked = new Map([
      [entryKey(d), live(d, "shop", { "ferry.dev/sync-options": "Replace=true, Prune=false" })],
    ]);
    const decision = decidePrune(input([a, b, c, d], [a, b, c], { live: marked }));
    expect(decision.delete).toEqual([]);
    expect(decision.keep).toEqual([{ entry: d, reason: "prune-disabled" }]);
  });

  it("skips objects that are already gone", () => {
    const decision = decidePrune(input([a, b, c, d], [a, b, c], { live: new Map() }));
    expect(decision.keep).toEqual([{ entry: d, reason: "gone" }]);
  });

  it("refuses to delete 80 % of the inventory", () => {
    const inventory = [a, b, c, d, entry("Secret", "e")];
    const error = refusal(() => decidePrune(input(inventory, [a])));
    expect(error.code).toBe("PRUNE_REFUSED");
    expect(error.message).toBe(
      "Prune refused: it would delete 4 of 5 objects (80 %), more than sync.pruneBudget 50 %",
    );
  });

  it("allows exactly the budget and honours a custom budget", () => {
    expect(decidePrune(input([a, b, c, d], [a, b])).delete).toHaveLength(2);
    expect(() => decidePrune(input([a, b, c, d], [a, b], { pruneBudget: 0.25 }))).toThrow(
      /more than sync.pruneBudget 25 %/,
    );
  });

  it("counts only objects it would really delete against the budget", () => {
    const handMade = new Map([[entryKey(a), live(a)]]);
    // b, c, d are gone already: only a is deleted, 1 of 4.
    expect(decidePrune(input([a, b, c, d], [], { live: handMade })).delete).toEqual([a]);
  });

  it.each([
    ["Namespace", entry("Namespace", "shop")],
    ["CustomResourceDefinition", entry("CustomResourceDefinition", "widgets.example.com")],
    ["PersistentVolumeClaim", entry("PersistentVolumeClaim", "data")],
  ])("refuses to delete a %s unless allowed", (kind, protectedEntry) => {
    const inventory = [a, b, c, protectedEntry];
    const error = refusal(() => decidePrune(input(inventory, [a, b, c])));
    expect(error.code).toBe("PRUNE_REFUSED");
    expect(error.message).toContain(`add the kind to sync.allowPrune`);
    expect(error.message).toContain(`${kind} `);
    expect(decidePrune(input(inventory, [a, b, c], { allowPrune: [kind] })).delete).toEqual([protectedEntry]);
  });

  it("deletes in reverse apply order: later waves first, workloads before config, namespaces last", () => {
    const ns = entry("Namespace", "shop");
    const crd = entry("CustomResourceDefinition", "widgets.example.com");
    const job = entry("Job", "migrate", { apiVersion: "batch/v1", wave: -1 });
    const late = entry("ConfigMap", "late", { wave: 3 });
    const inventory = [ns, crd, job, a, c, d, late];
    const decision = decidePrune(
      input(inventory, [], { pruneBudget: 1, allowPrune: ["Namespace", "CustomResourceDefinition"] }),
    );
    expect(decision.delete.map((e) => e.name)).toEqual([
      "late",
      "d",
      "c",
      "a",
      "migrate",
      "widgets.example.com",
      "shop",
    ]);
  });
});

describe("inventory helpers", () => {
  it("keeps Prune=false objects in the next inventory and drops foreign or gone ones", () => {
    const decision = {
      delete: [],
      keep: [
        { entry: b, reason: "prune-disabled" as const },
        { entry: c, reason: "not-tracked" as const },
        { entry: d, reason: "gone" as const },
      ],
    };
    expect(inventoryAfterPrune([a], decision)).toEqual([a, b]);
  });

  it("merges entries by key, the newer winning", () => {
    expect(mergeEntries([a, { ...b, hash: "old" }], [{ ...b, hash: "new" }, c])).toEqual([
      a,
      { ...b, hash: "new" },
      c,
    ]);
  });

  it("hashes manifests independently of key order", () => {
    const one: KubeObject = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "a", namespace: "x" },
      data: { k: "v" },
    };
    const two: KubeObject = {
      data: { k: "v" },
      metadata: { namespace: "x", name: "a" },
      kind: "ConfigMap",
      apiVersion: "v1",
    };
    expect(manifestHash(one)).toBe(manifestHash(two));
    expect(manifestHash(one)).not.toBe(manifestHash({ ...one, data: { k: "w" } }));
  });
});

describe("sync options", () => {
  const withOptions = (text: string): KubeObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "x", annotations: { "ferry.dev/sync-options": text } },
  });
  it("reads comma-separated options regardless of case and spaces", () => {
    expect(hasSyncOption(withOptions("Recreate=true, prune = FALSE"), "Prune=false")).toBe(true);
    expect(hasSyncOption(withOptions("Recreate=true, prune = FALSE"), "Recreate=true")).toBe(true);
    expect(hasSyncOption(withOptions("Prune=true"), "Prune=false")).toBe(false);
    expect(
      hasSyncOption({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x" } }, "Prune=false"),
    ).toBe(false);
  });
});
