// Which app owns a live object: the one named by its tracking annotation (docs/architecture.md,
// `<app>:<group>/<kind>:<namespace>/<name>`). Apply never takes over another app's object
// unless the project allows adoption, and deletes (hooks, Recreate=true) touch only objects
// the app itself created.
import { AppError } from "../errors.ts";
import { TRACKING_ANNOTATION, trackingId, type KubeObject } from "../kube/types.ts";
import { describeObject } from "./check.ts";

/** The reason shown in a preview for an object another app owns. */
export const OWNED_REASON = "OwnedByAnotherApp";

/** The app named by the live object's tracking annotation; undefined when it has none. */
export function ownerOf(live: KubeObject): string | undefined {
  const id = live.metadata.annotations?.[TRACKING_ANNOTATION];
  if (id === undefined) return undefined;
  const colon = id.indexOf(":");
  return colon > 0 ? id.slice(0, colon) : undefined;
}

/** Why the app may not apply over `live`, or undefined when it may. */
export function ownershipConflict(app: string, live: KubeObject, allowAdoption: boolean): string | undefined {
  const owner = ownerOf(live);
  if (owner === undefined || owner === app || allowAdoption) return undefined;
  return `${describeObject(live)} is owned by app ${owner}; app ${app}'s project does not allow adoption`;
}

export function assertMayApply(app: string, live: KubeObject | undefined, allowAdoption: boolean): void {
  if (live === undefined) return;
  const conflict = ownershipConflict(app, live, allowAdoption);
  if (conflict !== undefined)
    throw new AppError("POLICY_DENIED", conflict, { details: { owner: ownerOf(live) } });
}

/** Ferry created this very object for this app (its tracking id matches exactly). */
export function ownedBy(app: string, live: KubeObject): boolean {
  return live.metadata.annotations?.[TRACKING_ANNOTATION] === trackingId(app, live);
}
