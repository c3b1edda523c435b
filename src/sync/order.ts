// Ordering rules of the planner: sync waves and Helm hooks (the kind order inside a wave is
// ../kube/kind-order.ts, shared with the diff).
import { AppError } from "../errors.ts";
import {
  ARGO_SYNC_WAVE_ANNOTATION,
  HELM_HOOK_ANNOTATION,
  SYNC_WAVE_ANNOTATION,
  type KubeObject,
} from "../kube/types.ts";
import type { HookPhase } from "./types.ts";

export const HELM_HOOK_WEIGHT_ANNOTATION = "helm.sh/hook-weight";

function describe(object: KubeObject): string {
  const ns = object.metadata.namespace;
  return `${object.kind} ${ns === undefined ? "" : `${ns}/`}${object.metadata.name}`;
}

function parseInteger(object: KubeObject, annotation: string): number | undefined {
  const text = object.metadata.annotations?.[annotation];
  if (text === undefined) return undefined;
  // Same syntax as Go's strconv.Atoi, which Argo CD and Helm use: optional sign, digits.
  const value = /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new AppError("MANIFEST_INVALID", `${describe(object)}: ${annotation} "${text}" is not an integer`, {
      details: { annotation, value: text },
    });
  }
  return value;
}

/** `ferry.dev/sync-wave`, else `argocd.argoproj.io/sync-wave`, else 0. */
export function waveOf(object: KubeObject): number {
  return parseInteger(object, SYNC_WAVE_ANNOTATION) ?? parseInteger(object, ARGO_SYNC_WAVE_ANNOTATION) ?? 0;
}

export function hookWeightOf(object: KubeObject): number {
  return parseInteger(object, HELM_HOOK_WEIGHT_ANNOTATION) ?? 0;
}

const preHooks = new Set(["pre-install", "pre-upgrade"]);
const postHooks = new Set(["post-install", "post-upgrade"]);

export type HookDecision = { hook: HookPhase | undefined } | { drop: string };

/**
 * Ferry has no install/upgrade distinction (every sync is an upgrade of what is live), so
 * pre-install and pre-upgrade hooks both run before the first wave, post-install and
 * post-upgrade after the last. Test, delete and rollback hooks belong to `helm test`,
 * `helm uninstall` and `helm rollback`, which Ferry never runs: they are dropped.
 */
export function hookOf(object: KubeObject): HookDecision {
  const text = object.metadata.annotations?.[HELM_HOOK_ANNOTATION];
  if (text === undefined) return { hook: undefined };
  const phases = text
    .split(",")
    .map((phase) => phase.trim())
    .filter((phase) => phase !== "");
  if (phases.some((phase) => preHooks.has(phase))) return { hook: "pre" };
  if (phases.some((phase) => postHooks.has(phase))) return { hook: "post" };
  // Helm 2's crd-install: the object is an ordinary CRD for Ferry.
  if (phases.includes("crd-install")) return { hook: undefined };
  return { drop: `helm hook "${text}" is not run by Ferry` };
}
