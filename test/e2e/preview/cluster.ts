// Cluster helpers for the preview tests: seed what a previous deploy would have applied, wait
// until controllers stop writing to it, and snapshot resourceVersions to prove that a preview
// changed nothing.
import * as yaml from "js-yaml";
import { expect } from "vitest";
import type { KubeClient, KubeObject } from "../../../src/kube/types.ts";
import { normalizeObjects } from "../../../src/render/index.ts";

export function manifests(text: string): KubeObject[] {
  return yaml.loadAll(text).filter((doc): doc is KubeObject => doc !== null && typeof doc === "object");
}

/** Applies objects as a deploy of `app` would: tracking label and annotation, field manager ferry. */
export async function seed(kube: KubeClient, app: string, namespace: string, text: string): Promise<void> {
  for (const object of normalizeObjects(manifests(text), { app, namespace })) {
    await kube.apply(object, { force: true });
  }
}

const KINDS = [
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "v1", kind: "ConfigMap" },
  { apiVersion: "v1", kind: "Secret" },
];

/** name → resourceVersion of every object of the kinds previews touch in the namespace. */
export async function snapshot(kube: KubeClient, namespace: string): Promise<Record<string, string>> {
  const objects = await kube.list(KINDS, { namespace });
  return Object.fromEntries(
    objects.map((object) => [
      `${object.kind}/${object.metadata.name}`,
      typeof object.metadata.resourceVersion === "string" ? object.metadata.resourceVersion : "",
    ]),
  );
}

interface DeploymentStatus {
  observedGeneration?: number;
  conditions?: Array<{ type: string; status: string; reason?: string }>;
}

/** The deployment controller is done with it: the last status write it will make has happened. */
export async function waitSettled(kube: KubeClient, namespace: string, name: string): Promise<void> {
  await expect
    .poll(
      async () => {
        const live = await kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace, name });
        const status = (live?.status ?? {}) as DeploymentStatus;
        const progressing = status.conditions?.find((c) => c.type === "Progressing");
        const available = status.conditions?.find((c) => c.type === "Available");
        return (
          status.observedGeneration === live?.metadata.generation &&
          progressing?.reason === "NewReplicaSetAvailable" &&
          available?.status === "True"
        );
      },
      { timeout: 30_000, interval: 200 },
    )
    .toBe(true);
}
