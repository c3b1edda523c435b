// Types shared by the sync modules: the plan the pure planner produces and the outcome the
// engine returns to the deploy pipeline (its message: why it failed, or "rolled back to <sha>:
// <why>").
import type { Health } from "../health/types.ts";
import type { Outcome, Reason } from "../outcome.ts";
import type { KubeObject } from "../kube/types.ts";

export type HookPhase = "pre" | "post";

export interface PlannedObject {
  object: KubeObject;
  /** objectKey(): `<group>/<kind>/<namespace>/<name>`. */
  key: string;
  wave: number;
  hook?: HookPhase;
  /**
   * false for objects Ferry makes on the app's behalf (the destination namespace of
   * `createNamespace`): created when absent, never recorded in the inventory, never pruned.
   */
  tracked: boolean;
}

export type StageKind = "namespaces" | "crds" | "cluster" | "pre-hooks" | "wave" | "post-hooks";

export interface Stage {
  /** For logs and outcomes: `namespaces`, `crds`, `cluster-scoped`, `wave -1`, `pre-hook weight 0`. */
  name: string;
  kind: StageKind;
  objects: PlannedObject[];
}

export interface SyncPlan {
  stages: Stage[];
  /** Helm hook objects that Ferry does not run (test, delete, rollback hooks), with the reason. */
  dropped: { key: string; reason: string }[];
}

export type SyncStep = "plan" | "validate" | "prune-check" | "apply" | "health" | "prune";

/** An object the API refused (dry-run or apply), with the API's message. */
export interface RefusedObject {
  /** objectKey(): `<group>/<kind>/<namespace>/<name>`. */
  key: string;
  message: string;
}

/** The reason a failed sync gives, by the step it failed at. */
export const FAILED_AT = {
  plan: "PlanFailed",
  validate: "ValidationFailed",
  "prune-check": "PruneRefused",
  apply: "ApplyFailed",
  health: "HealthCheckFailed",
  prune: "PruneFailed",
} as const satisfies Record<SyncStep, Reason>;

/** How runSync ends (src/outcome.ts): Deployed, HeldBack, RolledBack, or failed at a step. */
export type SyncReason = "Deployed" | "HeldBack" | "RolledBack" | (typeof FAILED_AT)[SyncStep];

export type SyncOutcome = Outcome<SyncReason> & SyncDetails;

export interface SyncDetails {
  app: string;
  revision: string;
  /** Object keys applied because they differed from the cluster. */
  applied: string[];
  pruned: string[];
  unchanged: string[];
  health: Health;
  durationMs: number;
  failedStep?: SyncStep;
  /** The objects the API refused, when that is why it failed (messages scrubbed). */
  refused?: RefusedObject[];
  /** The AppError code behind a failure. */
  code?: string;
  /** The failure was the cluster not answering (KUBE_UNAVAILABLE...): retry the job later. */
  retryable?: boolean;
  rolledBackTo?: string;
}
