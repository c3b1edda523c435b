// Validate before write: every object a sync would send is first sent as a server-side dry-run
// (full admission and schema validation, nothing stored), so a revision the API refuses is
// refused as a whole before anything changed, instead of half-applied and rolled back. Two
// kinds of objects cannot be checked before the first write: custom resources whose CRD comes
// with the same sync (the kind is not served yet) and objects in a namespace the same sync
// creates. They are checked once the namespaces and CRDs stages are done (CRDs established),
// still before any other object is written.
import { AppError, toAppError } from "../errors.ts";
import type { KubeClient, KubeObject } from "../kube/types.ts";
import type { PendingWrite } from "./apply.ts";
import { kindNotServed } from "../kube/objects.ts";
import type { RefusedObject } from "./types.ts";

/** Dry-runs at once: enough to overlap round trips, not enough to flood the apiserver. */
const BATCH = 8;

/**
 * Splits the writes into those the API can check now and those that must wait for the
 * namespaces and CRDs stages: kinds not served yet, and namespaces this sync creates.
 */
export function checkableNow(
  writes: PendingWrite[],
  served: (object: KubeObject) => boolean,
  createdNamespaces: ReadonlySet<string>,
): { now: PendingWrite[]; later: PendingWrite[] } {
  const now: PendingWrite[] = [];
  const later: PendingWrite[] = [];
  for (const write of writes) {
    const { object } = write.planned;
    const namespace = object.metadata.namespace;
    const waits = !served(object) || (namespace !== undefined && createdNamespaces.has(namespace));
    (waits ? later : now).push(write);
  }
  return { now, later };
}

/** The API's own message in a KUBE_REJECTED error (its Status), else the error's text. */
export function apiMessageOf(error: AppError): string {
  return typeof error.details?.message === "string" ? error.details.message : error.message;
}

/** The objects a sync's error names as refused (details.refused of validate and apply). */
export function refusedObjects(error: AppError): RefusedObject[] {
  const refused = error.details?.refused;
  if (!Array.isArray(refused)) return [];
  return refused.filter(
    (item): item is RefusedObject =>
      typeof item === "object" &&
      item !== null &&
      typeof (item as RefusedObject).key === "string" &&
      typeof (item as RefusedObject).message === "string",
  );
}

/**
 * Server-side dry-runs of the writes; throws one KUBE_REJECTED naming each refused object with
 * the API's message (details.refused: RefusedObject[]). Errors of an unreachable cluster propagate as they are (retryable). A
 * hook that is deleted and recreated cannot be checked as an update of the old one: skipped.
 */
export async function validateWrites(
  kube: KubeClient,
  writes: PendingWrite[],
  options: { force: boolean; signal?: AbortSignal },
): Promise<void> {
  const checked = writes.filter((write) => !write.recreate);
  const names = new Map<string, string>();
  const refused: RefusedObject[] = [];
  for (let start = 0; start < checked.length; start += BATCH) {
    options.signal?.throwIfAborted();
    const slice = checked.slice(start, start + BATCH);
    const results = await Promise.allSettled(
      slice.map((write) => kube.apply(write.body, { force: options.force, dryRun: true })),
    );
    results.forEach((result, index) => {
      if (result.status === "fulfilled") return;
      const error = toAppError(result.reason, "KUBE_REJECTED");
      if (error.code !== "KUBE_REJECTED" || kindNotServed(error)) throw error;
      const { planned } = slice[index] as PendingWrite;
      names.set(planned.key, `${planned.object.kind} ${planned.object.metadata.name}`);
      refused.push({ key: planned.key, message: apiMessageOf(error) });
    });
  }
  if (refused.length === 0) return;
  const text = refused.map((item) => `${names.get(item.key)}: ${item.message}`).join("; ");
  throw new AppError("KUBE_REJECTED", text, { details: { refused } });
}
