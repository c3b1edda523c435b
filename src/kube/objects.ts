// Helpers over KubeClient that the sync engine, previews, drift checks and self-heal share: an
// object's ref and key, and reads that treat "kind no longer served" (its CRD was removed) as
// "object gone".
import { isAppError } from "../errors.ts";
import { objectKey, type KubeClient, type KubeObject, type ObjectRef, type ResourceInfo } from "./types.ts";

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

/**
 * Objects of one kind in one namespace from which one LIST is cheaper than a GET each. A LIST
 * reads the whole namespace's objects of that kind (no selector: objects Ferry does not label
 * yet, e.g. ones it will adopt, must be found too), so small groups stay GETs.
 */
export const LIST_FROM = 3;

/** Live copies of one kind in one namespace, by name, from one LIST; undefined when the kind is not served. */
async function listByName(kube: KubeClient, ref: ObjectRef): Promise<Map<string, KubeObject> | undefined> {
  try {
    const objects = await kube.list([{ apiVersion: ref.apiVersion, kind: ref.kind }], {
      ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
    });
    return new Map(objects.map((object) => [object.metadata.name, object]));
  } catch (error) {
    if (kindNotServed(error)) return undefined;
    throw error;
  }
}

/**
 * Live copies by object key: one LIST per kind and namespace holding at least LIST_FROM of the
 * refs, a GET for each of the others, concurrently in small batches. An app of 8 ConfigMaps, a
 * Deployment and a Service costs 3 requests instead of 10.
 */
export async function getLiveMany(
  kube: KubeClient,
  refs: ObjectRef[],
  signal?: AbortSignal,
): Promise<Map<string, KubeObject | undefined>> {
  const groups = new Map<string, ObjectRef[]>();
  for (const ref of refs) {
    const group = `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ""}`;
    groups.set(group, [...(groups.get(group) ?? []), ref]);
  }
  const reads: (() => Promise<void>)[] = [];
  const live = new Map<string, KubeObject | undefined>();
  for (const members of groups.values()) {
    const first = members[0] as ObjectRef;
    if (members.length >= LIST_FROM && first.namespace !== undefined) {
      reads.push(async () => {
        const byName = await listByName(kube, first);
        for (const ref of members) live.set(refKey(ref), byName?.get(ref.name));
      });
    } else {
      for (const ref of members) reads.push(async () => void live.set(refKey(ref), await getLive(kube, ref)));
    }
  }
  const batch = 16;
  for (let start = 0; start < reads.length; start += batch) {
    signal?.throwIfAborted();
    await Promise.all(reads.slice(start, start + batch).map((read) => read()));
  }
  // In the order of refs, as callers saw it before.
  return new Map(refs.map((ref) => [refKey(ref), live.get(refKey(ref))]));
}
