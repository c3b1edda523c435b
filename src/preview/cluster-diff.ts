// Head render vs the live cluster for one app: used by the preview pipeline, `ferry diff` and
// `ferry sync --dry-run`. Read-only: GETs, LISTs and dry-run applies — and none of them when
// the app's project refuses an object of the render: then only discovery is asked (which
// kinds are cluster-scoped), and the renders are compared with the refusals as findings.
import type { AppConfig } from "../config/schema.ts";
import { compareLive, compareRenders, type AppDiff, type AppRef } from "../diff/index.ts";
import { isAppError } from "../errors.ts";
import type { KubeClient, KubeObject } from "../kube/types.ts";
import { refusals, refusedNote, violationsOf } from "../policy/check.ts";
import type { Project } from "../policy/project.ts";
import { liveInventory, liveObjects } from "./live.ts";

export interface ClusterDiffInput {
  kube: KubeClient;
  app: AppConfig;
  project: Project;
  ref: AppRef;
  head: KubeObject[];
  /** The base render: marks changes that come from drift rather than from Git. */
  base: KubeObject[];
  notes: string[];
  signal?: AbortSignal;
}

export async function clusterDiff(input: ClusterDiffInput): Promise<AppDiff> {
  const { kube, app, ref, head, base, notes } = input;
  const options = { ignoreDifferences: app.ignoreDifferences };
  const violations = await violationsOf(input.project, app, head, kube);
  if (violations.length > 0) {
    return compareRenders(
      {
        ...ref,
        base,
        head,
        refused: refusals(violations),
        notes: [refusedNote(input.project, violations), ...notes],
      },
      options,
    );
  }
  if (!(await namespaceExists(kube, app.destination.namespace))) {
    // Namespaced objects cannot be dry-run into a namespace that does not exist yet.
    const creates = app.destination.createNamespace ? " (the deploy creates it)" : "";
    const note = `Namespace ${app.destination.namespace} does not exist yet${creates}.`;
    return compareRenders({ ...ref, base, head, notes: [note, ...notes] }, options);
  }
  const ownership = { app: app.name, allowAdoption: input.project.allowAdoption };
  const objects = await liveObjects(kube, head, base, ownership, input.signal);
  const inventory = await liveInventory(kube, app, [...head, ...base]);
  return compareLive({ ...ref, objects, inventory, notes }, options);
}

async function namespaceExists(kube: KubeClient, name: string): Promise<boolean> {
  try {
    return (await kube.get({ apiVersion: "v1", kind: "Namespace", name })) !== undefined;
  } catch (error) {
    // Namespaced RBAC may forbid reading Namespaces: then the dry-runs tell.
    if (isAppError(error, "KUBE_REJECTED")) return true;
    throw error;
  }
}
