// Kind → resource mapping from the API's discovery documents, cached per group/version.
// A miss refetches that group/version once, because CRDs appear while Ferry runs (a sync
// applies a CRD and then its custom resources a moment later).
import { z } from "zod";
import { AppError } from "../errors.ts";
import { send } from "./request.ts";
import { apiError } from "./errors.ts";
import type { KubeAccess } from "./kubeconfig.ts";
import type { ResourceInfo } from "./types.ts";

const resourceListSchema = z.looseObject({
  resources: z.array(
    z.looseObject({
      name: z.string(),
      kind: z.string(),
      namespaced: z.boolean(),
      verbs: z.array(z.string()).default([]),
    }),
  ),
});

export function apiPrefix(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

export class Discovery {
  readonly #kc: KubeAccess;
  readonly #cache = new Map<string, Promise<Map<string, ResourceInfo>>>();

  constructor(kc: KubeAccess) {
    this.#kc = kc;
  }

  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const cached = this.#cache.get(apiVersion);
    const hit = cached ? (await cached.catch(() => undefined))?.get(kind) : undefined;
    if (hit) return hit;
    const fresh = this.#fetch(apiVersion);
    this.#cache.set(apiVersion, fresh);
    const found = (await fresh).get(kind);
    if (found) return found;
    throw new AppError("KUBE_REJECTED", `the cluster does not serve kind ${kind} in ${apiVersion}`, {
      details: { httpStatus: 404, reason: "NotFound", code: 404, apiVersion, kind, kindNotFound: true },
    });
  }

  async #fetch(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const path = apiPrefix(apiVersion);
    const res = await send(this.#kc, { method: "GET", path, what: `discover ${apiVersion}` });
    const byKind = new Map<string, ResourceInfo>();
    if (res.status === 404) return byKind;
    if (res.status !== 200) {
      this.#cache.delete(apiVersion);
      throw apiError(`discover ${apiVersion}`, res.status, res.body);
    }
    for (const r of resourceListSchema.parse(res.body).resources) {
      if (r.name.includes("/")) continue; // subresources such as deployments/status
      byKind.set(r.kind, {
        apiVersion,
        kind: r.kind,
        plural: r.name,
        namespaced: r.namespaced,
        verbs: r.verbs,
      });
    }
    return byKind;
  }
}
