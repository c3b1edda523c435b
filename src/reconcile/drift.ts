// Drift: the live objects of an app compared with the desired state Ferry last applied. An
// object drifted when a server-side dry-run apply of its desired manifest (field manager
// ferry, forced, as a sync would do it) would change the live object, once server noise and
// ignoreDifferences are removed from both sides; it is deleted when it is gone.
//
// Reads are batched: one LIST per kind and namespace (label ferry.dev/app=<app>) instead of a
// GET per object, and a GET only for objects the LIST did not return (someone may have
// removed the label). The dry-run is skipped for objects whose live copy already contains
// every desired field with the same value: applying them again would be a no-op, so only
// suspects cost a request (`dryRun: "always"` turns that off).
import type { AppConfig } from "../config/schema.ts";
import { normalize, sensitiveValues, withoutIgnored } from "../diff/index.ts";
import { APP_LABEL, objectKey, type KubeClient, type KubeObject } from "../kube/types.ts";
import { toAppError } from "../errors.ts";
import { scrubberFor, type Scrubber } from "../observability/scrub.ts";
import { deletedSummary, describeObject, explainFields } from "./explain.ts";
import { containedIn } from "../sync/compare.ts";
import { refOf } from "../kube/objects.ts";
import { fieldChanges } from "./fields.ts";
import type { DriftedObject, DriftReport } from "./types.ts";

export type DriftApp = Pick<AppConfig, "name" | "destination" | "ignoreDifferences">;

export interface DriftInput {
  kube: KubeClient;
  app: DriftApp;
  revision: string;
  desired: KubeObject[];
  dryRun?: "always" | "suspects";
  signal?: AbortSignal;
}

/**
 * The report plus what self-heal applies per object: the desired manifest, without the fields
 * ignoreDifferences names when the object exists (they stay with whoever manages them), in
 * full when it was deleted.
 */
export interface DriftResult {
  report: DriftReport;
  desiredByKey: Map<string, KubeObject>;
  /** Scrubs the values of the Secrets on both sides from any text about this run. */
  scrub: Scrubber;
}

/** Desired objects with the namespace a namespaced kind lands in when the render omits it. */
async function placed(kube: KubeClient, app: DriftApp, desired: KubeObject[]): Promise<KubeObject[]> {
  return Promise.all(
    desired.map(async (object) => {
      const info = await kube.resource(object.apiVersion, object.kind);
      if (!info.namespaced || object.metadata.namespace !== undefined) return object;
      return { ...object, metadata: { ...object.metadata, namespace: app.destination.namespace } };
    }),
  );
}

async function readLive(
  kube: KubeClient,
  app: DriftApp,
  desired: KubeObject[],
): Promise<Map<string, KubeObject>> {
  const groups = new Map<string, { kind: Pick<KubeObject, "apiVersion" | "kind">; namespace?: string }>();
  for (const object of desired) {
    const ns = object.metadata.namespace;
    groups.set(`${object.apiVersion} ${object.kind} ${ns ?? ""}`, {
      kind: { apiVersion: object.apiVersion, kind: object.kind },
      ...(ns === undefined ? {} : { namespace: ns }),
    });
  }
  const live = new Map<string, KubeObject>();
  const selector = `${APP_LABEL}=${app.name}`;
  const lists = await Promise.all(
    [...groups.values()].map((group) =>
      kube.list([group.kind], {
        labelSelector: selector,
        ...(group.namespace ? { namespace: group.namespace } : {}),
      }),
    ),
  );
  for (const object of lists.flat()) live.set(objectKey(object), object);
  const unlisted = desired.filter((object) => !live.has(objectKey(object)));
  const fetched = await Promise.all(unlisted.map((object) => kube.get(refOf(object))));
  fetched.forEach((object) => {
    if (object) live.set(objectKey(object), object);
  });
  return live;
}

function base(object: KubeObject): Omit<DriftedObject, "state" | "fields" | "summary"> {
  return {
    key: objectKey(object),
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
  };
}

async function compareOne(
  input: DriftInput,
  desired: KubeObject,
  live: KubeObject | undefined,
): Promise<DriftedObject | undefined> {
  if (live === undefined)
    return { ...base(desired), state: "deleted", fields: [], summary: [deletedSummary(desired)] };
  const rules = input.app.ignoreDifferences;
  const liveNormal = normalize(live, rules);
  if (input.dryRun !== "always" && containedIn(normalize(desired, rules), liveNormal)) return undefined;
  let predicted: KubeObject;
  try {
    predicted = await input.kube.apply(withoutIgnored(desired, rules), { force: true, dryRun: true });
  } catch (error) {
    const message = toAppError(error).message;
    return {
      ...base(desired),
      state: "error",
      fields: [],
      summary: [`${describeObject(desired)}: ${message}`],
      error: message,
    };
  }
  const changes = fieldChanges(normalize(predicted, rules), liveNormal);
  if (changes.length === 0) return undefined;
  const fields = explainFields(live, changes);
  const name = describeObject(desired);
  return {
    ...base(desired),
    state: "modified",
    fields,
    summary: fields.map((field) => `${name}: ${field.text}`),
  };
}

export async function detectDrift(input: DriftInput): Promise<DriftResult> {
  const desired = await placed(input.kube, input.app, input.desired);
  input.signal?.throwIfAborted();
  const live = await readLive(input.kube, input.app, desired);
  // The report is stored for /api/apps and logged: a dry-run error (an admission webhook) may
  // echo a Secret's value, and a hand-edited Secret's new value is on the live side only.
  const scrub = scrubberFor(sensitiveValues([...desired, ...live.values()]));
  const rules = input.app.ignoreDifferences;
  const desiredByKey = new Map(
    desired.map((object) => {
      const key = objectKey(object);
      return [key, live.has(key) ? withoutIgnored(object, rules) : object];
    }),
  );
  const drifted: DriftedObject[] = [];
  // Dry-runs in small batches: enough to overlap round trips, not enough to flood the apiserver.
  const batch = 8;
  for (let start = 0; start < desired.length; start += batch) {
    input.signal?.throwIfAborted();
    const slice = desired.slice(start, start + batch);
    const found = await Promise.all(
      slice.map((object) => compareOne(input, object, live.get(objectKey(object)))),
    );
    for (const item of found) if (item) drifted.push(scrub.deep(item));
  }
  const report: DriftReport = {
    app: input.app.name,
    revision: input.revision,
    checkedAt: new Date().toISOString(),
    objects: desired.length,
    drifted,
  };
  return { report, desiredByKey, scrub };
}
