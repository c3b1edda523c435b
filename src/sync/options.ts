// Per-object `ferry.dev/sync-options: Prune=false,Recreate=true` (docs/architecture.md), read as
// Argo CD reads its sync-options annotation: comma-separated Key=value, case-insensitive.
import { SYNC_OPTIONS_ANNOTATION, type KubeObject } from "../kube/types.ts";

export function hasSyncOption(object: KubeObject, option: "Prune=false" | "Recreate=true"): boolean {
  const text = object.metadata.annotations?.[SYNC_OPTIONS_ANNOTATION] ?? "";
  const wanted = option.toLowerCase();
  return text.split(",").some((item) => item.replace(/\s+/g, "").toLowerCase() === wanted);
}
