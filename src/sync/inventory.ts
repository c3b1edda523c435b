// The inventory: what an app applied, one entry per object. Prune reads it to know what left
// Git; the engine reads `hash` to skip objects whose manifest did not change since they were
// last applied. Pure helpers here; storage is in inventory-store.ts.
import { createHash } from "node:crypto";
import { z } from "zod";
import { stableJson } from "../json.ts";
import { refKey } from "../kube/objects.ts";
import type { KubeObject, ObjectRef } from "../kube/types.ts";
import type { PlannedObject } from "./types.ts";

export const inventoryEntrySchema = z.object({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  namespace: z.string().min(1).optional(),
  name: z.string().min(1),
  wave: z.number().int().default(0),
  /** manifestHash() of the object as last applied. */
  hash: z.string().default(""),
});
export type InventoryEntry = z.infer<typeof inventoryEntrySchema>;

export const inventorySchema = z.object({
  app: z.string().min(1),
  revision: z.string().optional(),
  updatedAt: z.string().optional(),
  entries: z.array(inventoryEntrySchema),
});
export type Inventory = z.infer<typeof inventorySchema>;

export function entryKey(entry: InventoryEntry): string {
  return refKey(entryRef(entry));
}

/** The entry's object, to read or delete it. */
export function entryRef(entry: InventoryEntry): ObjectRef {
  return {
    apiVersion: entry.apiVersion,
    kind: entry.kind,
    name: entry.name,
    ...(entry.namespace === undefined ? {} : { namespace: entry.namespace }),
  };
}

/** Over canonical JSON, so that equal manifests hash equally whatever their key order. */
export function manifestHash(object: KubeObject): string {
  return createHash("sha256").update(stableJson(object)).digest("hex").slice(0, 32);
}

export function entryOf(planned: PlannedObject): InventoryEntry {
  const { apiVersion, kind, metadata } = planned.object;
  return {
    apiVersion,
    kind,
    ...(metadata.namespace === undefined ? {} : { namespace: metadata.namespace }),
    name: metadata.name,
    wave: planned.wave,
    hash: manifestHash(planned.object),
  };
}

/** Whether two inventories list the same entries, in any order. */
export function sameEntries(a: InventoryEntry[], b: InventoryEntry[]): boolean {
  if (a.length !== b.length) return false;
  const byKey = new Map(a.map((entry) => [entryKey(entry), JSON.stringify(entry)]));
  return b.every((entry) => byKey.get(entryKey(entry)) === JSON.stringify(entry));
}

/**
 * Entries of `a` and `b` by key, `b` winning. Written before applying, so an object applied by
 * a sync that then crashes is still known, and pruned later, instead of orphaned.
 */
export function mergeEntries(a: InventoryEntry[], b: InventoryEntry[]): InventoryEntry[] {
  const byKey = new Map(a.map((entry) => [entryKey(entry), entry]));
  for (const entry of b) byKey.set(entryKey(entry), entry);
  return [...byKey.values()];
}
