// How every operation on an app ends — a deploy (the pipeline and the sync engine inside it),
// a rollback, a branch poll, a self-heal, an image update's automatic merge — in one shape,
// after Flux's Ready condition: a `result` everyone counts by, a `reason` a program can switch
// on, and a `message` for people.
//
// The reasons are a closed union: a writer can only name one of them, and every reader (the
// history record, commit statuses and check runs, the API and `ferry status`, metrics labels)
// switches on the same names. A reason nothing produces any more is deleted here.
import { z } from "zod";

export const results = ["succeeded", "failed", "rolled-back", "skipped"] as const;
/** succeeded: it did its job; failed: it did not; rolled-back: it failed and the last healthy revision is live again; skipped: there was nothing to do. */
export type Result = (typeof results)[number];

/** Every reason, with the result it counts as. */
const RESULT_OF = {
  // A deploy (src/deploy/pipeline.ts, src/sync/engine.ts).
  /** Applied, pruned and healthy. */
  Deployed: "succeeded",
  /** `ferry sync --dry-run`: planned and compared, nothing applied. */
  DryRun: "succeeded",
  /** An automatic trigger found the revision that is already the last healthy one. */
  AlreadyDeployed: "skipped",
  /** The commit changes none of the app's render inputs (src/deploy/affected.ts). */
  NotAffected: "skipped",
  /** The revision was rolled back before: automatic syncs wait for a newer commit. */
  HeldBack: "skipped",
  /** Automatic sync and self-heal are paused for the app (src/sync/pause.ts, the web UI's Pause). */
  Paused: "skipped",
  RenderFailed: "failed",
  /** The app's project refused objects (src/policy/check.ts): nothing was applied. */
  PolicyRefused: "failed",
  /** The manifests could not be planned (src/sync/plan.ts): nothing was applied. */
  PlanFailed: "failed",
  /** A server-side dry-run of the revision's objects was refused: nothing of it was applied. */
  ValidationFailed: "failed",
  /** Prune would delete more than the app allows (sync.pruneBudget, sync.allowPrune). */
  PruneRefused: "failed",
  ApplyFailed: "failed",
  HealthCheckFailed: "failed",
  PruneFailed: "failed",
  /** The revision failed after changing the cluster; the last healthy revision is live again. */
  RolledBack: "rolled-back",

  // A branch poll (src/reconcile/poll.ts); AlreadyDeployed, NotAffected and HeldBack too.
  /** The head is new: a sync was enqueued, as the missed webhook would have. */
  SyncEnqueued: "succeeded",
  /** sync.auto is off: a new head waits for someone to sync it. */
  AutoSyncOff: "skipped",

  // A self-heal (src/reconcile/heal.ts, src/reconcile/process.ts).
  /** Drifted objects were put back as Ferry last applied them. */
  Healed: "succeeded",
  /** Every drifted object is one the cluster refuses: reported, not retried. */
  NothingToHeal: "skipped",
  /** Corrected too often lately: the next correction waits (src/reconcile/backoff.ts). */
  HealBackingOff: "skipped",
  /** Another writer (a sync, a rollback) holds the app's lock: the check is retried later. */
  AppLocked: "skipped",

  // The automatic merge of an image update once previewed (src/images/auto-merge.ts).
  /** Merged through the forge API at the previewed commit; the push webhook deploys it. */
  AutoMerged: "succeeded",
  /** The image policy that proposed it (or every policy of the app) has autoMerge off. */
  AutoMergeOff: "skipped",
  /** The preview found blocking errors, or did not dry-run every app against its cluster. */
  PreviewNotGreen: "skipped",
  /** Not Ferry's own image update: another author, branch or target, or a head Ferry did not push. */
  NotFerrysUpdate: "skipped",
  /** The forge refused the merge (its rules, a moved head) or could not be asked: left open. */
  MergeRefused: "failed",
} as const satisfies Record<string, Result>;

export type Reason = keyof typeof RESULT_OF;
export const reasons = Object.keys(RESULT_OF) as [Reason, ...Reason[]];
export const reasonSchema = z.enum(reasons);

/** One per reason (a union, so checking `reason` narrows `result`). */
export type Outcome<R extends Reason = Reason> = {
  [K in R]: {
    result: (typeof RESULT_OF)[K];
    reason: K;
    /** For people: why it failed, was skipped or rolled back; absent when the reason says it all. */
    message?: string;
  };
}[R];

export function resultOf<R extends Reason>(reason: R): (typeof RESULT_OF)[R] {
  return RESULT_OF[reason];
}

export function outcome<R extends Reason>(reason: R, message?: string): Outcome<R> {
  return { result: RESULT_OF[reason], reason, ...(message === undefined ? {} : { message }) };
}

/** The outcome part of anything that carries one (to record it, without the rest). */
export function outcomeOf(carrier: Outcome): Outcome {
  return outcome(carrier.reason, carrier.message);
}

export function isReason(value: unknown): value is Reason {
  return typeof value === "string" && Object.hasOwn(RESULT_OF, value);
}
