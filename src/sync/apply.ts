// Applying one stage and executing a prune decision. Objects go one at a time in the planned
// order (kind order inside a wave is part of the contract, and a stage is small); only those
// that differ from the cluster are sent (see compare.ts for what "differ" means).
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../errors.ts";
import type { KubeClient, KubeObject } from "../kube/types.ts";
import { assertMayApply, ownedBy } from "../policy/ownership.ts";
import { containedIn } from "./compare.ts";
import { entryKey, entryRef, manifestHash, type InventoryEntry } from "./inventory.ts";
import { getLive, getLiveMany, refOf } from "./kube.ts";
import { hasSyncOption } from "./options.ts";
import type { PruneDecision } from "./prune.ts";
import type { PlannedObject, Stage } from "./types.ts";

export interface ApplyContext {
  kube: KubeClient;
  /** The app applying: live objects must be its own, or unclaimed, or adoption allowed. */
  app: string;
  allowAdoption: boolean;
  /** The inventory before this sync, by object key: the hashes of what was applied last. */
  previous: ReadonlyMap<string, InventoryEntry>;
  force: boolean;
  deadline: number;
  signal?: AbortSignal;
  /** Called after each object the server accepted, so a failure can say how far it got. */
  onApplied?: (key: string) => void;
}

export interface StageResult {
  applied: string[];
  unchanged: string[];
}

export function needsApply(
  planned: PlannedObject,
  live: KubeObject | undefined,
  previous: InventoryEntry | undefined,
): boolean {
  if (live === undefined) return true;
  // Ferry only creates what it does not track (the destination namespace); it never takes it over.
  if (!planned.tracked) return false;
  if (previous?.hash !== manifestHash(planned.object)) return true;
  return !containedIn(planned.object, live);
}

/**
 * Objects replaced instead of patched when they changed: Helm hooks, and whatever carries
 * `ferry.dev/sync-options: Recreate=true` (typically a plain Job in an early wave, whose pod
 * template cannot be changed in place).
 */
function mustRecreate(planned: PlannedObject): boolean {
  return planned.hook !== undefined || hasSyncOption(planned.object, "Recreate=true");
}

/**
 * Helm recreates hooks (hook-delete-policy before-hook-creation, Helm's default): a hook Job
 * changed in Git cannot be patched, its pod template is immutable. Ferry deletes a changed
 * hook and waits until it is gone before applying the new one.
 */
async function deleteAndWait(context: ApplyContext, planned: PlannedObject): Promise<void> {
  const ref = refOf(planned.object);
  await context.kube.delete(ref, { propagation: "Foreground" });
  for (let interval = 100; ; interval = Math.min(interval * 2, 1_000)) {
    if ((await getLive(context.kube, ref)) === undefined) return;
    if (Date.now() > context.deadline) {
      throw new AppError(
        "HEALTH_TIMEOUT",
        `${planned.key}: the previous hook object was not deleted in time`,
      );
    }
    await sleep(interval, undefined, context.signal ? { signal: context.signal } : {});
  }
}

export async function applyStage(context: ApplyContext, stage: Stage): Promise<StageResult> {
  const live = await getLiveMany(
    context.kube,
    stage.objects.map((planned) => refOf(planned.object)),
    context.signal,
  );
  const result: StageResult = { applied: [], unchanged: [] };
  for (const planned of stage.objects) {
    context.signal?.throwIfAborted();
    const current = live.get(planned.key);
    if (planned.tracked) assertMayApply(context.app, current, context.allowAdoption);
    if (!needsApply(planned, current, context.previous.get(planned.key))) {
      result.unchanged.push(planned.key);
      continue;
    }
    if (current !== undefined && mustRecreate(planned)) {
      // A delete is only ever for an object this app created: never someone else's.
      if (!ownedBy(context.app, current)) {
        throw new AppError(
          "POLICY_DENIED",
          `${planned.key}: not deleted for re-creation, app ${context.app} did not create the live object`,
        );
      }
      await deleteAndWait(context, planned);
    }
    await context.kube.apply(planned.object, { force: context.force });
    result.applied.push(planned.key);
    context.onApplied?.(planned.key);
  }
  return result;
}

/**
 * Deletes in the decision's order (reverse apply order) with background propagation. It does
 * not wait for objects to disappear: finalizers may hold them for long, and they are out of
 * the inventory already.
 */
export async function executePrune(
  kube: KubeClient,
  decision: PruneDecision,
  signal?: AbortSignal,
): Promise<string[]> {
  const pruned: string[] = [];
  for (const entry of decision.delete) {
    signal?.throwIfAborted();
    await kube.delete(entryRef(entry), { propagation: "Background" });
    pruned.push(entryKey(entry));
  }
  return pruned;
}
