// Kubernetes objects as Ferry handles them: plain JSON, as rendered from Git or read from the
// API. Only the fields every module relies on are typed; the rest passes through untouched.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Conventions in the cluster (docs/architecture.md). */
export const FIELD_MANAGER = "ferry";
export const APP_LABEL = "ferry.dev/app";
export const TRACKING_ANNOTATION = "ferry.dev/tracking-id";
export const SYNC_WAVE_ANNOTATION = "ferry.dev/sync-wave";
export const ARGO_SYNC_WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave";
export const SYNC_OPTIONS_ANNOTATION = "ferry.dev/sync-options";
export const HELM_HOOK_ANNOTATION = "helm.sh/hook";

/**
 * Where in the repository a rendered object is defined, `<path>:<line>` (src/render/source.ts).
 * Ferry-local: the renderer sets it so check-run annotations can point at the file, and it never
 * reaches a cluster (the client's apply and the planner drop it) nor a diff (normalize drops it):
 * a line number that moves must not read as a change.
 */
export const SOURCE_ANNOTATION = "ferry.dev/source";

/** The object without SOURCE_ANNOTATION (the same object when it has none). */
export function withoutSource<T extends KubeObject>(object: T): T {
  const annotations = object.metadata.annotations;
  if (annotations === undefined || !(SOURCE_ANNOTATION in annotations)) return object;
  const { [SOURCE_ANNOTATION]: _source, ...rest } = annotations;
  const metadata = { ...object.metadata };
  if (Object.keys(rest).length === 0) delete metadata.annotations;
  else metadata.annotations = rest;
  return { ...object, metadata };
}

/** `apps` from `apps/v1`, "" from `v1`. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash === -1 ? "" : apiVersion.slice(0, slash);
}

/** `<app>:<group>/<kind>:<namespace>/<name>` — the tracking id (docs/architecture.md). */
export function trackingId(app: string, object: KubeObject): string {
  return `${app}:${groupOf(object.apiVersion)}/${object.kind}:${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

/** A stable key for an object regardless of app: `<group>/<kind>/<namespace>/<name>`. */
export function objectKey(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
  return `${groupOf(object.apiVersion)}/${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

/** How the API serves a kind: its resource name and scope, learned from discovery. */
export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  /** The REST resource, e.g. `deployments`. */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

/** Identifies one object; `namespace` is ignored for cluster-scoped kinds. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ApplyOptions {
  /** Defaults to FIELD_MANAGER ("ferry"). */
  fieldManager?: string;
  /** Take ownership of fields another manager owns instead of failing with 409 Conflict. */
  force?: boolean;
  /** Server-side dry run: full admission and validation, nothing stored. */
  dryRun?: boolean;
}

export type DeletePropagation = "Foreground" | "Background" | "Orphan";

export interface DeleteOptions {
  /** Defaults to Background (the API's default for most kinds is not uniform). */
  propagation?: DeletePropagation;
  dryRun?: boolean;
}

export interface ListOptions {
  labelSelector?: string;
  /** Only this namespace for namespaced kinds; all namespaces when absent. */
  namespace?: string;
}

/**
 * Ferry's one way to talk to a cluster. Objects stay plain JSON. Failures are AppErrors:
 * KUBE_REJECTED for a 4xx (details: httpStatus, reason, code, message, causes),
 * KUBE_UNAVAILABLE for network errors, 5xx and 429.
 */
export interface KubeClient {
  /** Discovery with a cache that refreshes on a miss, so a CRD applied just now is found. */
  resource(apiVersion: string, kind: string): Promise<ResourceInfo>;
  /** Server-side apply; returns the object as the API stored it (or would, on dry run). */
  apply(object: KubeObject, options?: ApplyOptions): Promise<KubeObject>;
  /** undefined when the object does not exist. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /** false when the object was already gone. */
  delete(ref: ObjectRef, options?: DeleteOptions): Promise<boolean>;
  /** Every object of the given kinds (optionally by label selector / namespace), with apiVersion and kind set. */
  list(
    kinds: ReadonlyArray<Pick<KubeObject, "apiVersion" | "kind">>,
    options?: ListOptions,
  ): Promise<KubeObject[]>;
}
