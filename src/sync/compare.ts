// "Does the live object already say what we would apply?" Ferry skips an object only when
// (1) its manifest hash equals the one recorded in the inventory at the last apply — which
// catches every change in Git, removed fields included — and (2) every field of the manifest
// has the same value in the live object, which catches drift made by hand. No dry-run is
// needed: the live objects are read anyway for prune and health. Server-side defaulting only
// adds fields, so it never breaks (2); a value the server rewrites (quantities like "0.5" →
// "500m", Secret stringData) makes the object look changed and it is re-applied, which the
// server treats as a no-op.

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * True when every field of `desired` is present in `live` with an equal value. Also used by
 * reconcile's drift check: then a server-side apply of `desired` by the manager that applied
 * it last changes nothing, and the dry-run can be skipped.
 */
export function containedIn(desired: unknown, live: unknown): boolean {
  if (Array.isArray(desired)) {
    // Lists are atomic or keyed; both ways, same length and element-wise containment is
    // the conservative reading.
    return (
      Array.isArray(live) &&
      desired.length === live.length &&
      desired.every((item, index) => containedIn(item, live[index]))
    );
  }
  if (isRecord(desired)) {
    if (!isRecord(live)) return false;
    return Object.entries(desired).every(([key, value]) =>
      // null asks the server to remove the field; an absent field is then "equal".
      value === null ? live[key] === undefined || live[key] === null : containedIn(value, live[key]),
    );
  }
  return desired === live;
}
