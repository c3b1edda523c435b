// Who owns a field: server-side apply records, per field manager, the set of fields it owns
// (FieldsV1: `f:<field>` for map keys, `k:{…}` for keyed list items, `v:<json>` for set
// members, `i:<n>` for positions, `.` for the node itself). See
// https://kubernetes.io/docs/reference/using-api/server-side-apply/#field-management
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import type { PathStep } from "./types.ts";

const managedFieldsSchema = z.array(
  z.looseObject({
    manager: z.string().default("unknown"),
    operation: z.string().optional(),
    subresource: z.string().optional(),
    time: z.string().optional(),
    fieldsV1: z.record(z.string(), z.unknown()).optional(),
  }),
);
export type ManagedFieldsEntry = z.infer<typeof managedFieldsSchema>[number];

export function managedFieldsOf(object: KubeObject): ManagedFieldsEntry[] {
  const parsed = managedFieldsSchema.safeParse(object.metadata.managedFields ?? []);
  return parsed.success ? parsed.data : [];
}

type FieldSet = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The child of a FieldsV1 node that stands for list item `item` at `index`. */
function listChild(node: FieldSet, item: unknown, index: number): unknown {
  for (const [key, child] of Object.entries(node)) {
    if (key === `i:${index}`) return child;
    if (key.startsWith("v:") && isDeepStrictEqual(safeJson(key.slice(2)), item)) return child;
    if (key.startsWith("k:") && isRecord(item)) {
      const keys = safeJson(key.slice(2));
      if (isRecord(keys) && Object.entries(keys).every(([k, v]) => isDeepStrictEqual(item[k], v)))
        return child;
    }
  }
  return undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Does this field set own `path` (or a field under it, or an atomic ancestor of it)?
 * `object` is the live object, needed to match keyed list items by their key fields.
 */
export function ownsPath(fields: FieldSet, path: readonly PathStep[], object: unknown): boolean {
  let node: unknown = fields;
  let value: unknown = object;
  for (const step of path) {
    if (!isRecord(node)) return false;
    // An empty set at a map or list node means the manager owns it as a whole (atomic).
    if (Object.keys(node).length === 0) return true;
    if (typeof step === "string") {
      node = node[`f:${step}`];
      value = isRecord(value) ? value[step] : undefined;
    } else {
      const item: unknown = Array.isArray(value) ? (value as unknown[])[step.index] : undefined;
      node = listChild(node, item, step.index);
      value = item;
    }
    if (node === undefined) return false;
  }
  return true;
}

/** Managers (other than `except`) that own `path` in the live object, most recent first. */
export function ownersOf(live: KubeObject, path: readonly PathStep[], except: string): string[] {
  const entries = managedFieldsOf(live)
    .filter((entry) => entry.manager !== except && entry.fieldsV1 !== undefined)
    .sort((a, b) => (b.time ?? "").localeCompare(a.time ?? ""));
  const owners: string[] = [];
  for (const entry of entries) {
    if (!ownsPath(entry.fieldsV1 ?? {}, path, live)) continue;
    const name = entry.subresource ? `${entry.manager} (${entry.subresource})` : entry.manager;
    if (!owners.includes(name)) owners.push(name);
  }
  return owners;
}

/** The manager (other than `except`) that wrote to the object last, for removed fields. */
export function latestWriter(live: KubeObject, except: string): string | undefined {
  return managedFieldsOf(live)
    .filter((entry) => entry.manager !== except && entry.subresource !== "status")
    .sort((a, b) => (b.time ?? "").localeCompare(a.time ?? ""))[0]?.manager;
}
