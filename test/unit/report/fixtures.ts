// App diffs for the report tests, produced by the real diff engine from realistic objects.
import { compareLive } from "../../../src/diff/compare.ts";
import type { AppDiff } from "../../../src/diff/types.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { asLive, configMap, deployment, podinfoRef, service } from "../diff/objects.ts";

export const oldImage = "ghcr.io/stefanprodan/podinfo:6.7.0";
export const newImage = "ghcr.io/stefanprodan/podinfo:6.7.1";
export const baseSha = "1111111aaaaaaabbbbbbbcccccccdddddddeeee";
export const headSha = "2222222aaaaaaabbbbbbbcccccccdddddddeeee";

/** The scenario: the head changes the Deployment image and adds a Service. */
export function imageAndServiceDiff(): AppDiff {
  return compareLive({
    ...podinfoRef,
    objects: [
      {
        desired: deployment(newImage),
        live: asLive(deployment(oldImage), "1"),
        predicted: asLive(deployment(newImage), "2"),
      },
      { desired: service(), predicted: asLive(service()) },
    ],
    inventory: [asLive(deployment(oldImage))],
  });
}

/** `count` new ConfigMaps, each with a few keys: a large change. */
export function manyResourcesDiff(count: number, app = "bulk"): AppDiff {
  const objects = Array.from({ length: count }, (_, index) => {
    const name = `settings-${String(index).padStart(4, "0")}`;
    const object: KubeObject = configMap(
      { LOG_LEVEL: "info", REGION: "eu-west-1", INDEX: String(index) },
      name,
    );
    return { desired: object, predicted: asLive(object) };
  });
  return compareLive({ ...podinfoRef, app, objects, inventory: [] });
}

export const reportBase = {
  forge: "github",
  forgeType: "github",
  repo: "acme/deploy",
  number: 42,
  baseSha,
  headSha,
} as const;
