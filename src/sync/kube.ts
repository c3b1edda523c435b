// The sync engine talks to clusters through src/kube's KubeClient. The two adaptations it needs
// live here rather than in src/kube: a read that treats "kind no longer served" (its CRD was
// removed) as "object gone", and scope lookups resolved up front so the pure planner can use
// them synchronously.
import { isAppError } from "../errors.ts";
import {
  objectKey,
  type KubeClient,
  type KubeObject,
  type ObjectRef,
  type ResourceInfo,
} from "../kube/types.ts";
import type { Scope, ScopeOf } from "./scope.ts";

export function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
  };
}

export function refKey(ref: ObjectRef): string {
  return objectKey({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }) },
  });
}

/** The API answered that the object's kind is not served (e.g. its CRD was removed). */
export function kindNotServed(error: unknown): boolean {
  return isAppError(error, "KUBE_REJECTED") && error.details?.kindNotFound === true;
}

/** Discovery's answer for a kind; undefined when the cluster does not serve it (yet). */
export async function servedResource(
  kube: KubeClient,
  apiVersion: string,
  kind: string,
): Promise<ResourceInfo | undefined> {
  try {
    return await kube.resource(apiVersion, kind);
  } catch (error) {
    if (kindNotServed(error)) return undefined;
    throw error;
  }
}

/** The live object; undefined when it, or its whole kind, does not exist. */
export async function getLive(kube: KubeClient, ref: ObjectRef): Promise<KubeObject | undefined> {
  try {
    return await kube.get(ref);
  } catch (error) {
    if (kindNotServed(error)) return undefined;
    throw error;
  }
}

/** Live copies by object key, read concurrently in small batches. */
export async function getLiveMany(
  kube: KubeClient,
  refs: ObjectRef[],
  signal?: AbortSignal,
): Promise<Map<string, KubeObject | undefined>> {
  const live = new Map<string, KubeObject | undefined>();
  const batch = 16;
  for (let start = 0; start < refs.length; start += batch) {
    signal?.throwIfAborted();
    const slice = refs.slice(start, start + batch);
    const objects = await Promise.all(slice.map((ref) => getLive(kube, ref)));
    slice.forEach((ref, index) => live.set(refKey(ref), objects[index]));
  }
  return live;
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
