// The KubeClient of types.ts over raw REST calls: server-side apply is a PATCH with
// content type application/apply-patch+yaml (JSON is YAML), see
// https://kubernetes.io/docs/reference/using-api/server-side-apply/
import { z } from "zod";
import type { ClusterConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { apiPrefix, Discovery } from "./discovery.ts";
import { apiError } from "./errors.ts";
import { loadKubeConfig, type KubeAccess } from "./kubeconfig.ts";
import { send, sendOk } from "./request.ts";
import {
  FIELD_MANAGER,
  withoutSource,
  type ApplyOptions,
  type DeleteOptions,
  type KubeClient,
  type KubeObject,
  type ListOptions,
  type ObjectRef,
  type ResourceInfo,
} from "./types.ts";

const objectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }),
});

const listSchema = z.looseObject({
  items: z.array(z.looseObject({ metadata: z.looseObject({ name: z.string() }) })),
  metadata: z
    .looseObject({ resourceVersion: z.string().optional(), continue: z.string().optional() })
    .optional(),
});

const describe = (ref: ObjectRef) =>
  `${ref.apiVersion} ${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;

/** `/apis/<group>/<version>[/namespaces/<ns>]/<plural>` (the watch streams use it too). */
export function collectionPath(info: ResourceInfo, namespace: string | undefined): string {
  const scope = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${apiPrefix(info.apiVersion)}${scope}/${info.plural}`;
}

function objectPath(info: ResourceInfo, ref: ObjectRef): string {
  if (info.namespaced && !ref.namespace) {
    throw new AppError(
      "MANIFEST_INVALID",
      `${describe(ref)}: ${ref.kind} is namespaced but no namespace is set`,
    );
  }
  return `${collectionPath(info, ref.namespace)}/${encodeURIComponent(ref.name)}`;
}

const refOf = (object: KubeObject): ObjectRef => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  name: object.metadata.name,
  namespace: object.metadata.namespace,
});

/**
 * Every object of one resource, page by page, and the list's resourceVersion (a watch starts
 * there). Also used by src/reconcile/watch.ts, which watches from that version.
 */
export async function listAll(
  kc: KubeAccess,
  info: ResourceInfo,
  options: ListOptions,
): Promise<{ objects: KubeObject[]; resourceVersion: string }> {
  const objects: KubeObject[] = [];
  let resourceVersion = "";
  let next: string | undefined;
  do {
    const body = listSchema.parse(
      await sendOk(kc, {
        method: "GET",
        path: collectionPath(info, options.namespace),
        query: { labelSelector: options.labelSelector, limit: "500", continue: next },
        what: `list ${info.apiVersion} ${info.kind}`,
      }),
    );
    // List items come without apiVersion and kind; callers need them to act on the objects.
    for (const item of body.items) objects.push({ ...item, apiVersion: info.apiVersion, kind: info.kind });
    resourceVersion = body.metadata?.resourceVersion ?? resourceVersion;
    next = body.metadata?.continue || undefined;
  } while (next);
  return { objects, resourceVersion };
}

export function createKubeClient(kc: KubeAccess): KubeClient {
  const discovery = new Discovery(kc);
  const parseObject = (body: unknown) => objectSchema.parse(body);

  const apply = async (object: KubeObject, options: ApplyOptions = {}): Promise<KubeObject> => {
    const ref = refOf(object);
    const info = await discovery.resource(object.apiVersion, object.kind);
    const body = await sendOk(kc, {
      method: "PATCH",
      path: objectPath(info, ref),
      contentType: "application/apply-patch+yaml",
      query: {
        fieldManager: options.fieldManager ?? FIELD_MANAGER,
        force: options.force ? "true" : undefined,
        dryRun: options.dryRun ? "All" : undefined,
      },
      // Ferry-local metadata (where Git defines the object) is no business of the cluster.
      body: withoutSource(object),
      what: `apply ${describe(ref)}`,
    });
    return parseObject(body);
  };

  const get = async (ref: ObjectRef): Promise<KubeObject | undefined> => {
    const info = await discovery.resource(ref.apiVersion, ref.kind);
    const what = `get ${describe(ref)}`;
    const res = await send(kc, { method: "GET", path: objectPath(info, ref), what });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw apiError(what, res.status, res.body);
    return parseObject(res.body);
  };

  const remove = async (ref: ObjectRef, options: DeleteOptions = {}): Promise<boolean> => {
    const info = await discovery.resource(ref.apiVersion, ref.kind);
    const what = `delete ${describe(ref)}`;
    const res = await send(kc, {
      method: "DELETE",
      path: objectPath(info, ref),
      query: { dryRun: options.dryRun ? "All" : undefined },
      body: {
        apiVersion: "v1",
        kind: "DeleteOptions",
        propagationPolicy: options.propagation ?? "Background",
      },
      what,
    });
    if (res.status === 404) return false;
    if (res.status < 200 || res.status >= 300) throw apiError(what, res.status, res.body);
    return true;
  };

  const listKind = async (
    kind: Pick<KubeObject, "apiVersion" | "kind">,
    options: ListOptions,
  ): Promise<KubeObject[]> =>
    (await listAll(kc, await discovery.resource(kind.apiVersion, kind.kind), options)).objects;

  const list = async (
    kinds: ReadonlyArray<Pick<KubeObject, "apiVersion" | "kind">>,
    options: ListOptions = {},
  ): Promise<KubeObject[]> => (await Promise.all(kinds.map((kind) => listKind(kind, options)))).flat();

  return {
    resource: (apiVersion, kind) => discovery.resource(apiVersion, kind),
    apply,
    get,
    delete: remove,
    list,
  };
}

/** The client for one cluster of ferry.yaml. */
export function kubeClientFor(cluster: ClusterConfig): KubeClient {
  return createKubeClient(loadKubeConfig(cluster));
}
