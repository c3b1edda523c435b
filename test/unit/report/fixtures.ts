// App diffs for the report tests, produced by the real diff engine from realistic objects.
import { compareLive } from "../../../src/diff/compare.ts";
import type { AppDiff } from "../../../src/diff/types.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { asLive, configMap, imageAndServiceInput, podinfoRef } from "../diff/objects.ts";

export { newImage, oldImage } from "../diff/objects.ts";
export const baseSha = "1111111aaaaaaabbbbbbbcccccccdddddddeeee";
export const headSha = "2222222aaaaaaabbbbbbbcccccccdddddddeeee";

/** The scenario: the head changes the Deployment image and adds a Service. */
export async function imageAndServiceDiff(): Promise<AppDiff> {
  return await compareLive(imageAndServiceInput());
}

/** `count` new ConfigMaps, each with a few keys: a large change. */
export async function manyResourcesDiff(count: number, app = "bulk"): Promise<AppDiff> {
  const objects = Array.from({ length: count }, (_, index) => {
    const name = `settings-${String(index).padStart(4, "0")}`;
    const object: KubeObject = configMap(
      { LOG_LEVEL: "info", REGION: "eu-west-1", INDEX: String(index) },
      name,
    );
    return { desired: object, predicted: asLive(object) };
  });
  return await compareLive({ ...podinfoRef, app, objects, inventory: [] });
}

export const reportBase = {
  forge: "github",
  forgeType: "github",
  repo: "acme/deploy",
  number: 42,
  baseSha,
  headSha,
} as const;
