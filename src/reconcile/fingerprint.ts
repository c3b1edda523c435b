// What a watch event must change for a drift check to be worth it: anything but status and
// the metadata the server rewrites on every write (resourceVersion, managedFields timestamps,
// generation follows spec anyway). Status-only and resourceVersion-only updates — most of a
// Deployment's events — hash the same and are ignored.
import { createHash } from "node:crypto";
import { canonical } from "../diff/normalize.ts";
import type { KubeObject } from "../kube/types.ts";

const NOISE = ["resourceVersion", "managedFields", "generation", "uid", "creationTimestamp", "selfLink"];

export function fingerprint(object: KubeObject): string {
  const { status: _status, metadata, ...rest } = object;
  const meta: Record<string, unknown> = { ...metadata };
  for (const field of NOISE) delete meta[field];
  return createHash("sha256")
    .update(JSON.stringify(canonical({ ...rest, metadata: meta })))
    .digest("hex")
    .slice(0, 32);
}
