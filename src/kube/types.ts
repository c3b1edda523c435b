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

/** Cluster conventions of DESIGN.md §4. */
export const FIELD_MANAGER = "ferry";
export const APP_LABEL = "ferry.dev/app";
export const TRACKING_ANNOTATION = "ferry.dev/tracking-id";
export const SYNC_WAVE_ANNOTATION = "ferry.dev/sync-wave";
export const ARGO_SYNC_WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave";
export const SYNC_OPTIONS_ANNOTATION = "ferry.dev/sync-options";
export const HELM_HOOK_ANNOTATION = "helm.sh/hook";

/** `apps` from `apps/v1`, "" from `v1`. */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash === -1 ? "" : apiVersion.slice(0, slash);
}

/** `<app>:<group>/<kind>:<namespace>/<name>` — the tracking id of DESIGN.md §4. */
export function trackingId(app: string, object: KubeObject): string {
  return `${app}:${groupOf(object.apiVersion)}/${object.kind}:${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}

/** A stable key for an object regardless of app: `<group>/<kind>/<namespace>/<name>`. */
export function objectKey(object: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
  return `${groupOf(object.apiVersion)}/${object.kind}/${object.metadata.namespace ?? ""}/${object.metadata.name}`;
}
