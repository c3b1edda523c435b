// Strips what the API server (or Ferry itself) sets on an object, so that a diff shows only
// changes a user made or will make. Everything removed here is listed for the comment's
// footer: a preview that hides fields must say which.
import type { IgnoreDifference } from "../config/schema.ts";
import { APP_LABEL, groupOf, TRACKING_ANNOTATION, withoutSource, type KubeObject } from "../kube/types.ts";
import { removeAtPointer } from "./pointer.ts";

/** metadata fields owned by the server. deletionTimestamp is kept: a pending delete matters. */
export const SERVER_METADATA_FIELDS = [
  "managedFields",
  "resourceVersion",
  "generation",
  "uid",
  "creationTimestamp",
  "selfLink",
] as const;

export const SERVER_ANNOTATIONS = [
  // A copy of the whole previous object (Secret data included) kept by `kubectl apply`.
  "kubectl.kubernetes.io/last-applied-configuration",
  "deployment.kubernetes.io/revision",
  TRACKING_ANNOTATION,
] as const;

export const SERVER_LABELS = [APP_LABEL] as const;

/** Top-level fields reported by controllers, not declared by users. */
export const SERVER_TOP_LEVEL_FIELDS = ["status"] as const;

/** Human-readable list of the filters, for the footer of the comment and the HTML page. */
export function noiseFilterDescription(): string[] {
  return [
    ...SERVER_METADATA_FIELDS.map((field) => `metadata.${field}`),
    ...SERVER_TOP_LEVEL_FIELDS,
    ...SERVER_ANNOTATIONS.map((name) => `annotation ${name}`),
    ...SERVER_LABELS.map((name) => `label ${name}`),
  ];
}

export function ignoreRulesFor(object: KubeObject, rules: readonly IgnoreDifference[]): IgnoreDifference[] {
  const group = groupOf(object.apiVersion);
  return rules.filter(
    (rule) =>
      rule.kind === object.kind &&
      (rule.group === undefined || rule.group === group) &&
      (rule.name === undefined || rule.name === object.metadata.name) &&
      (rule.namespace === undefined || rule.namespace === object.metadata.namespace),
  );
}

/**
 * The manifest to apply over an object that already exists: without the fields
 * ignoreDifferences names. Those stay with whoever manages them (an HPA, `kubectl scale`);
 * with server-side apply, not sending a field also gives up Ferry's ownership of it. A new
 * object is created from the full manifest instead. The input is never mutated.
 */
export function withoutIgnored(object: KubeObject, rules: readonly IgnoreDifference[]): KubeObject {
  const matching = ignoreRulesFor(object, rules);
  if (matching.length === 0) return object;
  const copy = structuredClone(object);
  for (const rule of matching) {
    for (const pointer of rule.jsonPointers) removeAtPointer(copy, pointer);
  }
  return copy;
}

/**
 * A deep, key-sorted copy without server noise and without the fields ignoreDifferences names.
 * The input is never mutated; applying it to both sides of a comparison makes it symmetric.
 */
export function normalize(object: KubeObject, rules: readonly IgnoreDifference[] = []): KubeObject {
  // Where Git defines the object is not part of it (and never in the cluster): not a filter to disclose.
  const copy = canonical(withoutSource(object)) as KubeObject;
  for (const field of SERVER_TOP_LEVEL_FIELDS) delete copy[field];
  const metadata = copy.metadata as Record<string, unknown> | undefined;
  if (metadata !== undefined) {
    for (const field of SERVER_METADATA_FIELDS) delete metadata[field];
    if (metadata.deletionTimestamp === null) delete metadata.deletionTimestamp;
    dropKeys(metadata, "annotations", SERVER_ANNOTATIONS);
    dropKeys(metadata, "labels", SERVER_LABELS);
  }
  for (const rule of ignoreRulesFor(object, rules)) {
    for (const pointer of rule.jsonPointers) removeAtPointer(copy, pointer);
  }
  return copy;
}

function dropKeys(metadata: Record<string, unknown>, field: string, keys: readonly string[]): void {
  const map = metadata[field];
  if (typeof map !== "object" || map === null) return;
  const record = map as Record<string, unknown>;
  for (const key of keys) delete record[key];
  if (Object.keys(record).length === 0) delete metadata[field];
}

// apiVersion, kind and metadata lead, as in every manifest; the rest is sorted so that the key
// order of the API's answer and of the user's file never shows up as a change.
const LEADING_KEYS = ["apiVersion", "kind", "metadata"];

/** A deep copy with sorted mapping keys (leading keys first at the top level). */
export function canonical(value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((item) => canonical(item, depth + 1));
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort((a, b) => rank(a, depth) - rank(b, depth) || (a < b ? -1 : a > b ? 1 : 0));
  const copy: Record<string, unknown> = {};
  for (const key of keys) copy[key] = canonical(record[key], depth + 1);
  return copy;
}

function rank(key: string, depth: number): number {
  const index = depth === 0 ? LEADING_KEYS.indexOf(key) : -1;
  return index === -1 ? LEADING_KEYS.length : index;
}
