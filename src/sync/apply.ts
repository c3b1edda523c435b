// Applying one stage and executing a prune decision. Kinds go one after another in the planned
// order (kind order inside a wave is part of the contract); the objects of one kind, which
// nothing orders among themselves, go a few at a time, so an app of 8 ConfigMaps waits for one
// round trip instead of 8. Only objects that differ from the cluster are sent (see compare.ts
// for what "differ" means), and over an existing object without the fields
// ignoreDifferences names.
import { setTimeout as sleep } from "node:timers/promises";
import type { IgnoreDifference } from "../config/schema.ts";
import { withoutIgnored } from "../diff/index.ts";
import { AppError, isAppError } from "../errors.ts";
import type { KubeClient, KubeObject } from "../kube/types.ts";
import { assertMayApply, ownedBy } from "../policy/ownership.ts";
import { containedIn } from "./compare.ts";
import { entryKey, entryRef, manifestHash, type InventoryEntry } from "./inventory.ts";
import { getLive, refOf } from "../kube/objects.ts";
import { hasSyncOption } from "./options.ts";
import type { PruneDecision } from "./prune.ts";
import type { PlannedObject, Stage } from "./types.ts";
import { apiMessageOf } from "./validate.ts";

export interface ApplyContext {
  kube: KubeClient;
  /** The app applying: live objects must be its own, or unclaimed, or adoption allowed. */
  app: string;
  allowAdoption: boolean;
  /** The inventory before this sync, by object key: the hashes of what was applied last. */
  previous: ReadonlyMap<string, InventoryEntry>;
  force: boolean;
  /** The app's ignoreDifferences: left out when applying over an existing object. */
  ignoreDifferences: readonly IgnoreDifference[];
  deadline: number;
  signal?: AbortSignal;
  /**
   * Called after each object the server accepted, with the object as the server answered it,
   * so a failure can say how far it got and the health wait can start from that copy.
   */
  onApplied?: (key: string, live: KubeObject) => void;
}

export function needsApply(
  planned: PlannedObject,
  live: KubeObject | undefined,
  previous: InventoryEntry | undefined,
  ignoreDifferences: readonly IgnoreDifference[] = [],
): boolean {
  if (live === undefined) return true;
  // Ferry only creates what it does not track (the destination namespace); it never takes it over.
  if (!planned.tracked) return false;
  if (previous?.hash !== manifestHash(planned.object)) return true;
  return !containedIn(withoutIgnored(planned.object, ignoreDifferences), live);
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

/** One object a stage sends: the body (ignored fields left out when it exists), and how. */
export interface PendingWrite {
  planned: PlannedObject;
  body: KubeObject;
  /** Delete the live object and create it anew (hooks, Recreate=true). */
  recreate: boolean;
}

/**
 * What a stage would write, given the live objects: only the objects that differ from the
 * cluster, each with the body to send. Pure, so the validation before any write (validate.ts)
 * checks exactly what is applied afterwards.
 */
export function stageWrites(
  context: Pick<ApplyContext, "app" | "allowAdoption" | "previous" | "ignoreDifferences">,
  stage: Stage,
  live: ReadonlyMap<string, KubeObject | undefined>,
): { writes: PendingWrite[]; unchanged: string[] } {
  const writes: PendingWrite[] = [];
  const unchanged: string[] = [];
  for (const planned of stage.objects) {
    const current = live.get(planned.key);
    if (planned.tracked) assertMayApply(context.app, current, context.allowAdoption);
    if (!needsApply(planned, current, context.previous.get(planned.key), context.ignoreDifferences)) {
      unchanged.push(planned.key);
      continue;
    }
    const recreate = current !== undefined && mustRecreate(planned);
    // A delete is only ever for an object this app created: never someone else's.
    if (recreate && !ownedBy(context.app, current)) {
      throw new AppError(
        "POLICY_DENIED",
        `${planned.key}: not deleted for re-creation, app ${context.app} did not create the live object`,
      );
    }
    const exists = current !== undefined && !recreate;
    const body = exists ? withoutIgnored(planned.object, context.ignoreDifferences) : planned.object;
    writes.push({ planned, body, recreate });
  }
  return { writes, unchanged };
}

/** Objects of one kind sent at once, at most. */
const SAME_KIND_AT_ONCE = 8;

/**
 * The writes in runs that may go at once: consecutive writes of one kind, at most
 * SAME_KIND_AT_ONCE each. A re-creation (delete, wait, create) always goes alone.
 */
function runsOf(writes: PendingWrite[]): PendingWrite[][] {
  const runs: PendingWrite[][] = [];
  for (const write of writes) {
    const last = runs.at(-1);
    const head = last?.[0];
    const joins =
      last !== undefined &&
      head !== undefined &&
      !write.recreate &&
      !head.recreate &&
      last.length < SAME_KIND_AT_ONCE &&
      head.body.apiVersion === write.body.apiVersion &&
      head.body.kind === write.body.kind;
    if (joins) last.push(write);
    else runs.push([write]);
  }
  return runs;
}

/** Sends a stage's writes kind by kind in the planned order, the objects of a kind a few at once. */
export async function applyWrites(context: ApplyContext, writes: PendingWrite[]): Promise<string[]> {
  const applied: string[] = [];
  for (const run of runsOf(writes)) {
    context.signal?.throwIfAborted();
    const results = await Promise.allSettled(
      run.map(async (write) => {
        if (write.recreate) await deleteAndWait(context, write.planned);
        return context.kube.apply(write.body, { force: context.force });
      }),
    );
    // Every accepted object is reported, even when another of its run was refused.
    results.forEach((result, index) => {
      if (result.status === "rejected") return;
      const { planned } = run[index] as PendingWrite;
      applied.push(planned.key);
      context.onApplied?.(planned.key, result.value);
    });
    const failed = results.findIndex((result) => result.status === "rejected");
    const failure = results[failed];
    if (failure?.status === "rejected")
      throw refusedAt((run[failed] as PendingWrite).planned, failure.reason);
  }
  return applied;
}

/** A refused apply names its object (details.refused), as validateWrites does. */
function refusedAt(planned: PlannedObject, thrown: unknown): unknown {
  if (!isAppError(thrown, "KUBE_REJECTED")) return thrown;
  return new AppError(thrown.code, thrown.message, {
    cause: thrown,
    retryable: thrown.retryable,
    details: { ...thrown.details, refused: [{ key: planned.key, message: apiMessageOf(thrown) }] },
  });
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
