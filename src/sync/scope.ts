// Whether a kind is cluster-scoped decides its stage and whether it gets the destination
// namespace. The cluster's discovery knows best (the caller passes it in); without it, the
// built-in kinds (render/scope.ts has the list) and the CRDs in the same render answer.
import { servedResource } from "../kube/objects.ts";
import { groupOf, type KubeClient, type KubeObject } from "../kube/types.ts";
import { isBuiltInClusterScoped } from "../render/scope.ts";

export type Scope = "Namespaced" | "Cluster";
export type ScopeOf = (apiVersion: string, kind: string) => Scope | undefined;

/** Built-in kinds (the core API groups) are namespaced unless render/scope.ts lists them. */
function builtinScope(apiVersion: string, kind: string): Scope | undefined {
  const group = groupOf(apiVersion);
  if (isBuiltInClusterScoped(group, kind)) return "Cluster";
  return group === "" || group.endsWith(".k8s.io") || !group.includes(".") ? "Namespaced" : undefined;
}

/** Scopes declared by CRDs in the same set of objects: `<group>/<kind>` → scope. */
function crdScopes(objects: KubeObject[]): Map<string, Scope> {
  const scopes = new Map<string, Scope>();
  for (const object of objects) {
    if (object.kind !== "CustomResourceDefinition") continue;
    const spec = object.spec as { group?: unknown; scope?: unknown; names?: { kind?: unknown } } | undefined;
    if (typeof spec?.group !== "string" || typeof spec.names?.kind !== "string") continue;
    scopes.set(`${spec.group}/${spec.names.kind}`, spec.scope === "Cluster" ? "Cluster" : "Namespaced");
  }
  return scopes;
}

/**
 * Discovery first, then CRDs in the render, then built-ins; an unknown kind is taken as
 * namespaced when the manifest names a namespace and cluster-scoped otherwise.
 */
export function resolveScope(objects: KubeObject[], discovery?: ScopeOf): (object: KubeObject) => Scope {
  const fromCrds = crdScopes(objects);
  return (object) =>
    discovery?.(object.apiVersion, object.kind) ??
    fromCrds.get(`${groupOf(object.apiVersion)}/${object.kind}`) ??
    builtinScope(object.apiVersion, object.kind) ??
    (object.metadata.namespace === undefined ? "Cluster" : "Namespaced");
}

/**
 * Discovery's answer for every kind among `objects`. Kinds the cluster does not serve yet
 * (custom resources whose CRD is in the same sync) stay unknown; the planner then uses the CRD.
 */
export async function discoverScopes(kube: KubeClient, objects: KubeObject[]): Promise<ScopeOf> {
  const kinds = new Map(objects.map((object) => [`${object.apiVersion} ${object.kind}`, object]));
  const scopes = new Map<string, Scope>();
  await Promise.all(
    [...kinds].map(async ([key, object]) => {
      const info = await servedResource(kube, object.apiVersion, object.kind);
      if (info) scopes.set(key, info.namespaced ? "Namespaced" : "Cluster");
    }),
  );
  return (apiVersion, kind) => scopes.get(`${apiVersion} ${kind}`);
}
