// Contracts of the reconcile modules: what they need from the sync side (the state Ferry last
// applied) and what they hand to the API (app status with the drifted objects, explained).
import type { KubeObject } from "../kube/types.ts";

/** The desired state of an app as Ferry last applied it. */
export interface AppliedState {
  /** Commit the objects were rendered from. */
  revision: string;
  /** The rendered objects as applied (stamped with tracking label and annotation). */
  objects: KubeObject[];
  appliedAt?: string;
}

/**
 * Where reconcile reads the last applied state and the last failed revision. The sync engine
 * owns this data; store.ts has a Redis implementation that the engine (or an adapter over its
 * own history) feeds.
 */
export interface AppliedStateStore {
  /**
   * undefined: nothing recorded; "refused": a record is there but failed its authenticity check
   * (src/state/seal.ts), so it must not be compared with or applied: deploy from Git instead.
   */
  lastApplied(app: string): Promise<AppliedState | "refused" | undefined>;
  /** The revision that failed (and was rolled back) and must not be applied automatically again. */
  lastFailedRevision(app: string): Promise<string | undefined>;
}

export const appSyncStatuses = ["Synced", "OutOfSync", "Syncing", "Failed"] as const;
export type AppSyncStatus = (typeof appSyncStatuses)[number];

/** One path inside an object, e.g. `spec.template.spec.containers[name=web].image`. */
export type PathStep = string | { index: number; name?: string };

export interface FieldChange {
  path: PathStep[];
  /** Value Ferry applied (after server defaulting); undefined when Git does not set it. */
  desired: unknown;
  /** Value in the cluster; undefined when the field was removed. */
  live: unknown;
}

export interface FieldExplanation {
  /** Dotted path, e.g. `spec.replicas`. */
  field: string;
  /** Field managers that own the live value (Ferry excluded); empty when unknown. */
  managers: string[];
  /** Masked, shortened values for people. */
  desired: string;
  live: string;
  /** `kubectl-edit changed spec.replicas 2 → 5`. */
  text: string;
}

export type DriftState = "modified" | "deleted" | "error";

/** A drifted object as stored for the API: no manifests, only what changed and who did it. */
export interface DriftedObject {
  /** objectKey(): `<group>/<kind>/<namespace>/<name>`. */
  key: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  state: DriftState;
  fields: FieldExplanation[];
  /** One line per finding, e.g. `Deployment web: kubectl-edit changed spec.replicas 2 → 5`. */
  summary: string[];
  /** The dry-run or read failed (state "error"). */
  error?: string;
}

export interface DriftReport {
  app: string;
  revision: string;
  checkedAt: string;
  /** Objects compared. */
  objects: number;
  drifted: DriftedObject[];
}

export interface AppStatus {
  app: string;
  status: AppSyncStatus;
  /** Last applied revision, when known. */
  revision?: string;
  /** Branch head at the last poll. */
  head?: string;
  checkedAt: string;
  /** Drift found at the last check (empty when Synced or healed). */
  drifted: DriftedObject[];
  message?: string;
  /** The last self-heal: when and what it corrected. */
  lastCorrection?: { at: string; objects: string[] };
}
