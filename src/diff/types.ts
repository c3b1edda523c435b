// Inputs and outputs of the diff engine. The engine is pure: the preview worker (or the CLI)
// fetches live objects and runs the server-side dry-runs, then hands the results in here.
import type { IgnoreDifference } from "../config/schema.ts";
import type { KubeObject } from "../kube/types.ts";
import type { SourceLocation } from "../render/source.ts";
import type { SourceType } from "../render/types.ts";

export type ChangeAction = "add" | "change" | "remove" | "unchanged" | "error";

/** What the API server said when it refused an object (Status: message, reason, code). */
export interface ApiFailure {
  message: string;
  reason?: string;
  code?: number;
}

/** A finding that must stop a merge. Its message has already been scrubbed of secrets. */
export interface BlockingError extends ApiFailure {
  blocking: true;
}

export interface ResourceChange {
  /** `<group>/<kind>/<namespace>/<name>` (see objectKey in src/kube/types.ts). */
  key: string;
  group: string;
  kind: string;
  name: string;
  namespace?: string;
  action: ChangeAction;
  /** Unified diff hunks (context 3) of the normalized, masked YAML; "" when there is none. */
  diff: string;
  /** Lines added and removed in `diff` (past the diff budget: lines only one side has). */
  stats: { added: number; removed: number };
  /**
   * The diff was over its budget (src/diff/unified.ts), so `diff` is empty and this says so:
   * "ConfigMap big: 20,000 lines changed, too large to show".
   */
  tooLarge?: string;
  /**
   * Live mode only: the head render equals the base render for this object, so the difference
   * comes from a change made in the cluster (drift) that this merge would revert, not from Git.
   */
  drift?: boolean;
  error?: BlockingError;
  /** Where the head commit defines the object, when the renderer knows (src/render/source.ts). */
  source?: SourceLocation;
}

export interface ChangeCounts {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
  errors: number;
}

export interface AppRef {
  app: string;
  cluster: string;
  namespace: string;
  /** "unknown" when rendering failed before the source type was known. */
  sourceType: SourceType | "unknown";
}

/** "live": dry-run against the cluster; "render": base render vs head render, no cluster. */
export type DiffMode = "live" | "render";

export interface AppDiff extends AppRef {
  mode: DiffMode;
  /** Sorted by kind order, then namespace, then name (see order.ts): output is deterministic. */
  changes: ResourceChange[];
  counts: ChangeCounts;
  /** The whole app failed (render error): a blocking finding with no per-resource changes. */
  error?: BlockingError;
  /** Explanations shown with the app, e.g. why the preview is render-only. */
  notes: string[];
  /** ignoreDifferences that were in effect, disclosed in the comment's footer. */
  ignoreDifferences: IgnoreDifference[];
}

/** One desired object of the head render, with what the caller learned about it. */
export interface LiveObjectInput {
  /** The object as rendered from Git at the head. */
  desired: KubeObject;
  /** The current object in the cluster, undefined when it does not exist yet. */
  live?: KubeObject;
  /** The server-side dry-run apply's answer: the object as it would be after the merge. */
  predicted?: KubeObject;
  /** The dry-run failed (immutable field, admission denial, schema error). */
  dryRunError?: ApiFailure;
  /** The same object rendered at the base, undefined when Git did not have it. */
  base?: KubeObject;
}

export interface DiffOptions {
  ignoreDifferences?: IgnoreDifference[];
  /** ConfigMap `data` keys whose values are masked like Secrets. */
  sensitiveKeyPattern?: RegExp;
}

export interface LiveDiffInput extends AppRef {
  objects: LiveObjectInput[];
  /**
   * Live objects the app applied before (its inventory). Those whose key is not among the
   * desired objects are removals: the next sync prunes them.
   */
  inventory: KubeObject[];
  notes?: string[];
}

export interface RenderDiffInput extends AppRef {
  base: KubeObject[];
  head: KubeObject[];
  /** Head objects refused before any request (the app's project): blocking, by object key. */
  refused?: ReadonlyMap<string, ApiFailure>;
  notes?: string[];
}

export interface RenderFailureInput extends AppRef {
  mode: DiffMode;
  failure: ApiFailure;
  /** Values known to be secret (e.g. from the render's Secrets) to scrub from the message. */
  secrets?: string[];
  notes?: string[];
}
