// The planner: desired objects in, ordered stages out. Pure, so every ordering rule is unit
// tested without a cluster. Order: Namespaces, CRDs (the engine waits for Established, so
// custom resources of the same app can follow), cluster-scoped objects (RBAC first by kind
// order), Helm pre-hooks by weight, the namespaced objects by sync wave, Helm post-hooks.
import { AppError } from "../errors.ts";
import {
  APP_LABEL,
  TRACKING_ANNOTATION,
  objectKey,
  trackingId,
  withoutSource,
  type KubeObject,
} from "../kube/types.ts";
import { kindRankOf } from "../kube/kind-order.ts";
import { hookOf, hookWeightOf, waveOf } from "./order.ts";
import { resolveScope, type Scope, type ScopeOf } from "./scope.ts";
import type { PlannedObject, Stage, StageKind, SyncPlan } from "./types.ts";

export interface PlanInput {
  app: string;
  objects: KubeObject[];
  destination: { namespace: string; createNamespace: boolean };
  /** Cluster discovery, when the caller has it; see scope.ts for the fallbacks. */
  scopeOf?: ScopeOf;
}

/**
 * Puts the object in its namespace and (re)stamps Ferry's tracking label and annotation. The
 * renderer already stamps them; doing it again here keeps prune safe whatever produced the
 * objects, because prune trusts only the annotation it can recompute. The render's source
 * annotation goes: what is compared, hashed and applied is what the cluster keeps.
 */
function stamp(app: string, object: KubeObject, scope: Scope, namespace: string): KubeObject {
  const metadata = { ...withoutSource(object).metadata };
  if (scope === "Namespaced") metadata.namespace ??= namespace;
  else delete metadata.namespace;
  const stamped: KubeObject = { ...object, metadata };
  metadata.labels = { ...metadata.labels, [APP_LABEL]: app };
  metadata.annotations = { ...metadata.annotations, [TRACKING_ANNOTATION]: trackingId(app, stamped) };
  return stamped;
}

function byOrder(a: PlannedObject, b: PlannedObject): number {
  return (
    a.wave - b.wave ||
    kindRankOf(a.object.kind) - kindRankOf(b.object.kind) ||
    (a.object.metadata.namespace ?? "").localeCompare(b.object.metadata.namespace ?? "") ||
    a.object.metadata.name.localeCompare(b.object.metadata.name) ||
    a.key.localeCompare(b.key)
  );
}

const clusterRbac = new Set(["ClusterRole", "ClusterRoleBinding"]);
const rbacFirst = (planned: PlannedObject): number => (clusterRbac.has(planned.object.kind) ? 0 : 1);

function stageOf(planned: PlannedObject, scope: Scope): StageKind {
  if (planned.hook === "pre") return "pre-hooks";
  if (planned.hook === "post") return "post-hooks";
  if (planned.object.kind === "Namespace") return "namespaces";
  if (planned.object.kind === "CustomResourceDefinition") return "crds";
  return scope === "Cluster" ? "cluster" : "wave";
}

/** Stages split by wave (hooks: by hook weight), ascending. */
function splitByWave(kind: StageKind, objects: PlannedObject[]): Stage[] {
  const waves = [...new Set(objects.map((planned) => planned.wave))].sort((a, b) => a - b);
  const prefix = kind === "wave" ? "wave" : `${kind.replace("-hooks", "-hook")} weight`;
  return waves.map((wave) => ({
    name: `${prefix} ${wave}`,
    kind,
    objects: objects.filter((planned) => planned.wave === wave),
  }));
}

export function planSync(input: PlanInput): SyncPlan {
  const scopeOf = resolveScope(input.objects, input.scopeOf);
  const dropped: SyncPlan["dropped"] = [];
  const groups = new Map<StageKind, PlannedObject[]>();
  const seen = new Set<string>();
  for (const original of input.objects) {
    const scope = scopeOf(original);
    const object = stamp(input.app, original, scope, input.destination.namespace);
    const key = objectKey(object);
    const decision = hookOf(object);
    if ("drop" in decision) {
      dropped.push({ key, reason: decision.drop });
      continue;
    }
    if (seen.has(key))
      throw new AppError("MANIFEST_INVALID", `${key} is defined twice`, { details: { key } });
    seen.add(key);
    // Hooks are ordered by their Helm weight, everything else by its sync wave.
    const wave = decision.hook === undefined ? waveOf(object) : hookWeightOf(object);
    const planned: PlannedObject = {
      object,
      key,
      wave,
      tracked: true,
      ...(decision.hook ? { hook: decision.hook } : {}),
    };
    const kind = stageOf(planned, scope);
    groups.set(kind, [...(groups.get(kind) ?? []), planned]);
  }
  const namespace = input.destination.namespace;
  if (input.destination.createNamespace && !seen.has(`/Namespace//${namespace}`)) {
    const object: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } };
    groups.set("namespaces", [
      ...(groups.get("namespaces") ?? []),
      { object, key: objectKey(object), wave: 0, tracked: false },
    ]);
  }
  const stage = (kind: StageKind, name: string): Stage[] => {
    const objects = groups.get(kind) ?? [];
    return objects.length === 0 ? [] : [{ name, kind, objects }];
  };
  const sorted = (kind: StageKind): PlannedObject[] => (groups.get(kind) ?? []).sort(byOrder);
  for (const kind of ["namespaces", "crds"] as const) groups.get(kind)?.sort(byOrder);
  // Cluster-wide RBAC goes before the other cluster-scoped objects, whatever their waves.
  groups.get("cluster")?.sort((a, b) => rbacFirst(a) - rbacFirst(b) || byOrder(a, b));
  return {
    stages: [
      ...stage("namespaces", "namespaces"),
      ...stage("crds", "crds"),
      // Cluster-scoped objects ignore waves for staging but keep them as a sort key.
      ...stage("cluster", "cluster-scoped"),
      ...splitByWave("pre-hooks", sorted("pre-hooks")),
      ...splitByWave("wave", sorted("wave")),
      ...splitByWave("post-hooks", sorted("post-hooks")),
    ],
    dropped,
  };
}

/** Every planned object in apply order. */
export function plannedObjects(plan: SyncPlan): PlannedObject[] {
  return plan.stages.flatMap((stage) => stage.objects);
}
