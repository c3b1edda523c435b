// Drift in words: for each drifted field, the field manager(s) that own the live value and
// the value change, e.g. `kubectl-edit changed spec.replicas 2 → 5`. Secret values (and
// sensitive ConfigMap keys) never appear: drift reports are shown to people.
import { DEFAULT_SENSITIVE_KEY_PATTERN } from "../diff/index.ts";
import { FIELD_MANAGER, type KubeObject } from "../kube/types.ts";
import { formatPath, MAX_CHANGES } from "./fields.ts";
import { latestWriter, ownersOf } from "./managed-fields.ts";
import type { FieldChange, FieldExplanation, PathStep } from "./types.ts";

const MAX_VALUE = 60;

function isSensitive(kind: string, path: readonly PathStep[], pattern: RegExp): boolean {
  const [top, key] = path;
  if (kind === "Secret") return top === "data" || top === "stringData";
  if (kind === "ConfigMap" && (top === "data" || top === "binaryData")) {
    return typeof key !== "string" || pattern.test(key);
  }
  return false;
}

export function showValue(value: unknown, masked: boolean): string {
  if (value === undefined) return "(unset)";
  if (masked) return "(hidden)";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

function sentence(
  managers: string[],
  field: string,
  desired: string,
  live: string,
  removed: boolean,
): string {
  const who = managers.length > 0 ? managers.join(", ") : undefined;
  // Nobody owns a removed field, so the remover is a guess: name it as such.
  if (removed) return `${field} was removed (was ${desired})${who ? `; last other writer: ${who}` : ""}`;
  if (desired === "(unset)") return `${who ?? "someone"} added ${field} = ${live}`;
  return `${who ?? "an unknown manager"} changed ${field} ${desired} → ${live}`;
}

/** Explains the changes of one object against its live copy. */
export function explainFields(
  live: KubeObject,
  changes: readonly FieldChange[],
  pattern: RegExp = DEFAULT_SENSITIVE_KEY_PATTERN,
): FieldExplanation[] {
  const explained = changes.slice(0, MAX_CHANGES).map((change): FieldExplanation => {
    const masked = isSensitive(live.kind, change.path, pattern);
    const field = formatPath(change.path);
    const removed = change.live === undefined;
    const writer = removed ? latestWriter(live, FIELD_MANAGER) : undefined;
    const managers = removed
      ? writer === undefined
        ? []
        : [writer]
      : ownersOf(live, change.path, FIELD_MANAGER);
    const desired = showValue(change.desired, masked);
    const now = showValue(change.live, masked);
    return { field, managers, desired, live: now, text: sentence(managers, field, desired, now, removed) };
  });
  if (changes.length > MAX_CHANGES) {
    const rest = changes.length - MAX_CHANGES;
    explained.push({
      field: "…",
      managers: [],
      desired: "",
      live: "",
      text: `and ${rest} more changed field${rest === 1 ? "" : "s"}`,
    });
  }
  return explained;
}

export function describeObject(object: Pick<KubeObject, "kind" | "metadata">): string {
  const ns = object.metadata.namespace;
  return `${object.kind} ${ns ? `${ns}/` : ""}${object.metadata.name}`;
}

export function deletedSummary(object: Pick<KubeObject, "kind" | "metadata">): string {
  return `${describeObject(object)} was deleted`;
}
