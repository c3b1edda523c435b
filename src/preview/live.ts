// What the cluster says about one app's head render, read-only: each object's live copy and
// its server-side dry-run apply (field manager ferry, force, dryRun=All: full admission and
// validation, nothing stored), and the live objects the next sync would prune.
import type { AppConfig } from "../config/schema.ts";
import type { ApiFailure, LiveObjectInput } from "../diff/index.ts";
import { isAppError } from "../errors.ts";
import {
  APP_LABEL,
  FIELD_MANAGER,
  objectKey,
  TRACKING_ANNOTATION,
  trackingId,
  type KubeClient,
  type KubeObject,
} from "../kube/types.ts";
import { isForbidden } from "../kube/errors.ts";
import { OWNED_REASON, ownershipConflict } from "../policy/ownership.ts";
import { entryKey, inventorySchema, type InventoryEntry } from "../sync/inventory.ts";
import { clusterInventoryText } from "../sync/inventory-store.ts";
import { getLive, kindNotServed, refOf } from "../kube/objects.ts";
import { pruneDisabled } from "../sync/prune.ts";

/** Requests in flight per app: enough to hide latency, few enough to spare the apiserver. */
const CONCURRENCY = 8;

/** The API's refusal as the diff engine wants it; anything else (unreachable) propagates. */
function failureOf(error: unknown): ApiFailure | undefined {
  if (!isAppError(error, "KUBE_REJECTED")) return undefined;
  const details = error.details ?? {};
  const message = typeof details.message === "string" ? details.message : error.message;
  return {
    message,
    ...(typeof details.reason === "string" ? { reason: details.reason } : {}),
    ...(typeof details.code === "number" ? { code: details.code } : {}),
  };
}

/** Who is asking: another app's live object is a finding unless its project allows adoption. */
export interface Ownership {
  app: string;
  allowAdoption: boolean;
}

async function inspect(
  kube: KubeClient,
  desired: KubeObject,
  base: KubeObject | undefined,
  ownership: Ownership,
): Promise<LiveObjectInput> {
  let live: KubeObject | undefined;
  try {
    live = await getLive(kube, refOf(desired));
  } catch (error) {
    // A refused read (e.g. forbidden to the project's ServiceAccount) is a finding, not a crash.
    const failure = failureOf(error);
    if (!failure) throw error;
    return { desired, dryRunError: failure, ...(base ? { base } : {}) };
  }
  const item: LiveObjectInput = { desired, ...(live ? { live } : {}), ...(base ? { base } : {}) };
  const conflict = live && ownershipConflict(ownership.app, live, ownership.allowAdoption);
  if (conflict) return { ...item, dryRunError: { message: conflict, reason: OWNED_REASON } };
  try {
    item.predicted = await kube.apply(desired, { dryRun: true, force: true, fieldManager: FIELD_MANAGER });
  } catch (error) {
    const failure = failureOf(error);
    if (!failure) throw error;
    item.dryRunError = failure;
  }
  return item;
}

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

export async function liveObjects(
  kube: KubeClient,
  head: readonly KubeObject[],
  base: readonly KubeObject[],
  ownership: Ownership,
  signal?: AbortSignal,
): Promise<LiveObjectInput[]> {
  const baseByKey = new Map(base.map((object) => [objectKey(object), object]));
  return mapLimit(
    head,
    CONCURRENCY,
    (object) => inspect(kube, object, baseByKey.get(objectKey(object)), ownership),
    signal,
  );
}

/**
 * Entries of the app's inventory ConfigMap, if it has one. Unlike the sync's readInventory
 * there is no Redis fallback, and an unreadable inventory is not an error here.
 */
async function inventoryEntries(kube: KubeClient, app: AppConfig): Promise<InventoryEntry[] | undefined> {
  const text = await clusterInventoryText(kube, app);
  if (text === undefined) return undefined;
  try {
    return inventorySchema.parse(JSON.parse(text)).entries;
  } catch {
    // Unreadable: the sync refuses to prune then, and so the preview shows no removals.
    return [];
  }
}

/**
 * The live objects the next sync would prune if Git no longer had them: labelled for this app,
 * carrying its tracking annotation, not `Prune=false`, and — when the app has an inventory
 * ConfigMap — recorded there. Kinds and namespaces searched: those of both renders and of the
 * inventory.
 */
export async function liveInventory(
  kube: KubeClient,
  app: AppConfig,
  renders: readonly KubeObject[],
): Promise<KubeObject[]> {
  const entries = await inventoryEntries(kube, app);
  const recorded = entries === undefined ? undefined : new Set(entries.map(entryKey));
  const kinds = new Map<string, Pick<KubeObject, "apiVersion" | "kind">>();
  const namespaces = new Set([app.destination.namespace]);
  const sources = [
    ...renders.map(({ apiVersion, kind, metadata }) => ({ apiVersion, kind, namespace: metadata.namespace })),
    ...(entries ?? []),
  ];
  for (const { apiVersion, kind, namespace } of sources) {
    kinds.set(`${apiVersion} ${kind}`, { apiVersion, kind });
    if (namespace) namespaces.add(namespace);
  }
  const found = new Map<string, KubeObject>();
  for (const namespace of namespaces) {
    const lists = await mapLimit([...kinds.values()], CONCURRENCY, (kind) =>
      kube.list([kind], { namespace, labelSelector: `${APP_LABEL}=${app.name}` }).catch((error: unknown) => {
        // A kind the app's ServiceAccount may not list: its objects' own reads already fail
        // as blocking findings, so the preview is red either way.
        if (kindNotServed(error) || isForbidden(error)) return [];
        throw error;
      }),
    );
    for (const object of lists.flat()) found.set(objectKey(object), object);
  }
  return [...found.values()].filter(
    (object) =>
      object.metadata.annotations?.[TRACKING_ANNOTATION] === trackingId(app.name, object) &&
      !pruneDisabled(object) &&
      (recorded === undefined || recorded.has(objectKey(object))),
  );
}
