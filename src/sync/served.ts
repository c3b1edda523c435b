// A CRD's Established condition is not the moment its kinds can be used. The API server sets
// Established, and only then does its discovery controller add the kind to
// /apis/<group>/<version> (asynchronously, from its own informer). A client that sees
// Established and at once sends a custom resource of that kind can find it not served yet: the
// sync then failed validating the CR ("the cluster does not serve kind ...") in about one run in
// ten on a loaded machine. So after the CRDs stage, the sync also waits until discovery lists
// every kind the CRDs serve.
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { AppError } from "../errors.ts";
import type { KubeClient, KubeObject } from "../kube/types.ts";
import { servedResource } from "../kube/objects.ts";

const crdSpecSchema = z.object({
  group: z.string(),
  names: z.object({ kind: z.string() }),
  versions: z.array(z.object({ name: z.string(), served: z.boolean() })),
});

export interface ServedKind {
  apiVersion: string;
  kind: string;
}

/** The apiVersion/kind pairs a CRD (as the sync sends it) declares as served. */
export function servedKinds(crd: KubeObject): ServedKind[] {
  const spec = crdSpecSchema.safeParse(crd.spec);
  // A CRD the API accepted always has this shape; anything else has nothing to wait for.
  if (!spec.success) return [];
  const { group, names, versions } = spec.data;
  return versions
    .filter((version) => version.served)
    .map((version) => ({ apiVersion: `${group}/${version.name}`, kind: names.kind }));
}

/**
 * Resolves once discovery serves every kind the CRDs declare (each miss refetches that
 * group/version: src/kube/discovery.ts); throws HEALTH_TIMEOUT at the deadline naming the kinds
 * still missing. Polls like waitHealthy: 100 ms growing to 500 ms.
 */
export async function waitServed(
  kube: KubeClient,
  crds: KubeObject[],
  options: { deadline: number; timeoutMs: number; signal?: AbortSignal; intervalMs?: number },
): Promise<void> {
  let missing = crds.flatMap(servedKinds);
  let interval = options.intervalMs ?? 100;
  for (;;) {
    options.signal?.throwIfAborted();
    const answers = await Promise.all(
      missing.map((kind) => servedResource(kube, kind.apiVersion, kind.kind)),
    );
    missing = missing.filter((_, index) => answers[index] === undefined);
    if (missing.length === 0) return;
    const left = options.deadline - Date.now();
    if (left <= 0) {
      const seconds = Math.round(options.timeoutMs / 100) / 10;
      const kinds = missing.map((kind) => `${kind.kind} (${kind.apiVersion})`).join(", ");
      throw new AppError("HEALTH_TIMEOUT", `crds: established but not served after ${seconds} s: ${kinds}`);
    }
    await sleep(Math.min(interval, left), undefined, options.signal ? { signal: options.signal } : {});
    interval = Math.min(Math.round(interval * 1.5), 500);
  }
}
