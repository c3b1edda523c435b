// The prune decision, pure: which inventory entries to delete, which to keep and why, or a
// refusal. Rules (docs/architecture.md): a candidate is in the inventory and no longer desired;
// it is deleted only when its live copy carries this app's tracking annotation and not
// `Prune=false`; the whole prune is refused when it would delete a Namespace, CRD or PVC not
// listed in sync.allowPrune, or more than sync.pruneBudget of the inventory.
import { AppError } from "../errors.ts";
import { TRACKING_ANNOTATION, trackingId, type KubeObject } from "../kube/types.ts";
import { entryKey, type InventoryEntry } from "./inventory.ts";
import { hasSyncOption } from "./options.ts";
import { kindRankOf } from "../kube/kind-order.ts";

export const PROTECTED_KINDS = ["Namespace", "CustomResourceDefinition", "PersistentVolumeClaim"] as const;

export interface PruneInput {
  app: string;
  inventory: InventoryEntry[];
  desiredKeys: ReadonlySet<string>;
  /** Live copies of the candidates by key; a missing key means the object is gone. */
  live: ReadonlyMap<string, KubeObject | undefined>;
  pruneBudget: number;
  allowPrune: readonly string[];
}

export type KeepReason = "gone" | "not-tracked" | "prune-disabled";

export interface PruneDecision {
  /** In deletion order: the reverse of apply order. */
  delete: InventoryEntry[];
  keep: { entry: InventoryEntry; reason: KeepReason }[];
}

/** Inventory entries that are no longer desired. */
export function pruneCandidates(
  inventory: InventoryEntry[],
  desiredKeys: ReadonlySet<string>,
): InventoryEntry[] {
  return inventory.filter((entry) => !desiredKeys.has(entryKey(entry)));
}

/** `ferry.dev/sync-options: Prune=false, …` */
export function pruneDisabled(object: KubeObject): boolean {
  return hasSyncOption(object, "Prune=false");
}

function keepReason(app: string, live: KubeObject | undefined): KeepReason | undefined {
  if (live === undefined) return "gone";
  if (live.metadata.annotations?.[TRACKING_ANNOTATION] !== trackingId(app, live)) return "not-tracked";
  if (pruneDisabled(live)) return "prune-disabled";
  return undefined;
}

/** Apply order is namespaces, CRDs, cluster-scoped, then namespaced by wave and kind. */
function applyRank(entry: InventoryEntry): number {
  if (entry.kind === "Namespace") return 0;
  if (entry.kind === "CustomResourceDefinition") return 1;
  return entry.namespace === undefined ? 2 : 3;
}

export function deletionOrder(entries: InventoryEntry[]): InventoryEntry[] {
  return [...entries].sort(
    (a, b) =>
      applyRank(b) - applyRank(a) ||
      b.wave - a.wave ||
      kindRankOf(b.kind) - kindRankOf(a.kind) ||
      entryKey(a).localeCompare(entryKey(b)),
  );
}

function refusals(input: PruneInput, doomed: InventoryEntry[]): string[] {
  const reasons: string[] = [];
  const allowed = new Set(input.allowPrune);
  const protectedOnes = doomed.filter(
    (entry) => (PROTECTED_KINDS as readonly string[]).includes(entry.kind) && !allowed.has(entry.kind),
  );
  if (protectedOnes.length > 0) {
    const names = protectedOnes.map(
      (entry) => `${entry.kind} ${entry.namespace ? `${entry.namespace}/` : ""}${entry.name}`,
    );
    reasons.push(`it would delete ${names.join(", ")} (add the kind to sync.allowPrune to allow it)`);
  }
  const share = input.inventory.length === 0 ? 0 : doomed.length / input.inventory.length;
  if (share > input.pruneBudget) {
    reasons.push(
      `it would delete ${doomed.length} of ${input.inventory.length} objects (${Math.round(share * 100)} %), ` +
        `more than sync.pruneBudget ${Math.round(input.pruneBudget * 100)} %`,
    );
  }
  return reasons;
}

export function decidePrune(input: PruneInput): PruneDecision {
  const keep: PruneDecision["keep"] = [];
  const doomed: InventoryEntry[] = [];
  for (const entry of pruneCandidates(input.inventory, input.desiredKeys)) {
    const reason = keepReason(input.app, input.live.get(entryKey(entry)));
    if (reason === undefined) doomed.push(entry);
    else keep.push({ entry, reason });
  }
  const reasons = refusals(input, doomed);
  if (reasons.length > 0) {
    throw new AppError("PRUNE_REFUSED", `Prune refused: ${reasons.join("; ")}`, {
      details: { app: input.app, candidates: doomed.map(entryKey) },
    });
  }
  return { delete: deletionOrder(doomed), keep };
}

/**
 * The inventory after a sync: what was applied, plus what was kept because of Prune=false
 * (still ours; it must stay known). Entries that are gone or belong to someone else drop out.
 */
export function inventoryAfterPrune(applied: InventoryEntry[], decision: PruneDecision): InventoryEntry[] {
  const kept = decision.keep.filter((k) => k.reason === "prune-disabled").map((k) => k.entry);
  const appliedKeys = new Set(applied.map(entryKey));
  return [...applied, ...kept.filter((entry) => !appliedKeys.has(entryKey(entry)))];
}
