// Secret values never leave this module. A diff is shown to everyone who can read the merge
// request, so Secret data (and ConfigMap values under sensitive keys) become placeholders that
// only tell the byte length and whether the value was added, removed or changed — the values
// are compared here, never printed. The YAML writer only accepts MaskedObject, so there is no
// path from a raw object to text that skips this step.
import { scrubText } from "../observability/scrub.ts";
import type { KubeObject } from "../kube/types.ts";
import type { ApiFailure, BlockingError } from "./types.ts";

declare const maskedBrand: unique symbol;
/** An object whose secret values have been replaced by placeholders. */
export type MaskedObject = KubeObject & { readonly [maskedBrand]: true };

export const DEFAULT_SENSITIVE_KEY_PATTERN =
  /(password|passwd|secret|token|api[_-]?key|private[_-]?key|credentials?)/i;

export const PLACEHOLDER = "++++++++";

/** kubectl keeps a full copy of the object (Secret data included) in this annotation. */
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

type Encoding = "base64" | "utf8";

interface MaskedField {
  field: string;
  encoding: Encoding;
  /** Which keys of the field are masked. */
  sensitive: (key: string) => boolean;
}

function maskedFields(object: KubeObject, pattern: RegExp): MaskedField[] {
  const all = (): boolean => true;
  if (object.kind === "Secret") {
    return [
      { field: "data", encoding: "base64", sensitive: all },
      { field: "stringData", encoding: "utf8", sensitive: all },
    ];
  }
  if (object.kind === "ConfigMap") {
    // Without g/y a RegExp keeps no lastIndex between tests.
    const keyPattern = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ""));
    return [
      { field: "data", encoding: "utf8", sensitive: (key) => keyPattern.test(key) },
      // Opaque bytes: unreadable in a diff anyway, and may hold keys or certificates.
      { field: "binaryData", encoding: "base64", sensitive: all },
    ];
  }
  return [];
}

function bytesOf(value: unknown, encoding: Encoding): Buffer {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return Buffer.from(text, encoding);
}

function stringMap(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Masks both sides of a comparison together, so that equal values get equal placeholders (no
 * diff line) and different values get different ones (a diff line that says "changed").
 */
export function maskPair(
  before: KubeObject | undefined,
  after: KubeObject | undefined,
  pattern: RegExp = DEFAULT_SENSITIVE_KEY_PATTERN,
): { before: MaskedObject | undefined; after: MaskedObject | undefined } {
  const b = before === undefined ? undefined : stripLastApplied(structuredClone(before));
  const a = after === undefined ? undefined : stripLastApplied(structuredClone(after));
  const reference = a ?? b;
  if (reference !== undefined) {
    for (const spec of maskedFields(reference, pattern)) maskField(b, a, spec);
  }
  return { before: b as MaskedObject | undefined, after: a as MaskedObject | undefined };
}

export function maskOne(object: KubeObject, pattern: RegExp = DEFAULT_SENSITIVE_KEY_PATTERN): MaskedObject {
  const masked = maskPair(undefined, object, pattern).after;
  if (masked === undefined) throw new Error("maskPair lost its input");
  return masked;
}

function stripLastApplied(object: KubeObject): KubeObject {
  const annotations = object.metadata.annotations;
  if (annotations !== undefined && LAST_APPLIED in annotations) {
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length === 0) delete object.metadata.annotations;
  }
  return object;
}

function maskField(before: KubeObject | undefined, after: KubeObject | undefined, spec: MaskedField): void {
  const old = stringMap(before?.[spec.field]);
  const next = stringMap(after?.[spec.field]);
  for (const key of Object.keys(old ?? {})) {
    if (old === undefined || !spec.sensitive(key)) continue;
    const oldBytes = bytesOf(old[key], spec.encoding);
    const newValue = next?.[key];
    if (next === undefined || newValue === undefined) {
      old[key] = placeholder(`removed, ${oldBytes.length} bytes`);
      continue;
    }
    const newBytes = bytesOf(newValue, spec.encoding);
    old[key] = placeholder(`${oldBytes.length} bytes`);
    next[key] = oldBytes.equals(newBytes)
      ? old[key]
      : placeholder(`changed, ${oldBytes.length} → ${newBytes.length} bytes`);
  }
  for (const key of Object.keys(next ?? {})) {
    if (next === undefined || !spec.sensitive(key) || (old !== undefined && key in old)) continue;
    next[key] = placeholder(`added, ${bytesOf(next[key], spec.encoding).length} bytes`);
  }
}

function placeholder(detail: string): string {
  return `${PLACEHOLDER} (${detail})`;
}

/**
 * Every form in which a secret value of these objects could appear in free text: decoded,
 * base64, JSON-escaped, and each long line of a multi-line value (PEM keys).
 */
export function sensitiveValues(
  objects: readonly (KubeObject | undefined)[],
  pattern: RegExp = DEFAULT_SENSITIVE_KEY_PATTERN,
): string[] {
  const values = new Set<string>();
  for (const object of objects) {
    if (object === undefined) continue;
    for (const spec of maskedFields(object, pattern)) {
      const map = stringMap(object[spec.field]) ?? {};
      for (const [key, value] of Object.entries(map)) {
        if (!spec.sensitive(key) || typeof value !== "string") continue;
        for (const form of formsOf(bytesOf(value, spec.encoding))) values.add(form);
      }
    }
  }
  return [...values];
}

function formsOf(bytes: Buffer): string[] {
  const plain = bytes.toString("utf8");
  const lines = plain.split(/\r?\n/).filter((line) => line.trim().length >= 16);
  return [
    plain,
    bytes.toString("base64"),
    bytes.toString("base64url"),
    JSON.stringify(plain).slice(1, -1),
    ...lines,
  ];
}

/** An API failure turned into a blocking finding whose message cannot carry a secret value. */
export function blockingError(failure: ApiFailure, secrets: readonly string[]): BlockingError {
  const error: BlockingError = { message: scrubText(failure.message, secrets), blocking: true };
  if (failure.reason !== undefined) error.reason = scrubText(failure.reason, secrets);
  if (failure.code !== undefined) error.code = failure.code;
  return error;
}
