// Builders for the objects the diff tests compare: what Git renders, what the API returns.
import type { LiveDiffInput } from "../../../src/diff/types.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

export function deployment(image: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "podinfo", namespace: "podinfo", labels: { app: "podinfo" } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: "podinfo" } },
      template: {
        metadata: { labels: { app: "podinfo" } },
        spec: { containers: [{ name: "podinfo", image, ports: [{ containerPort: 9898 }] }] },
      },
    },
    ...extra,
  };
}

/** What the API server adds to an object it stores: the noise normalize() must remove. */
export function asLive(object: KubeObject, revision = "1"): KubeObject {
  const copy = structuredClone(object);
  copy.metadata = {
    ...copy.metadata,
    uid: "0b9c2f7e-5d5a-4a8e-9a55-3f7b4a1d2c11",
    resourceVersion: `10${revision}`,
    generation: Number(revision),
    creationTimestamp: "2025-01-01T00:00:00Z",
    managedFields: [{ manager: "ferry", operation: "Apply", fieldsV1: { "f:spec": {} } }],
    annotations: {
      ...copy.metadata.annotations,
      "deployment.kubernetes.io/revision": revision,
      "ferry.dev/tracking-id": `podinfo:apps/${copy.kind}:podinfo/${copy.metadata.name}`,
      "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(object),
    },
    labels: { ...copy.metadata.labels, "ferry.dev/app": "podinfo" },
  };
  copy.status = { observedGeneration: Number(revision), replicas: 2, availableReplicas: 2 };
  return copy;
}

export function service(name = "podinfo"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace: "podinfo" },
    spec: { selector: { app: "podinfo" }, ports: [{ port: 80, targetPort: 9898 }] },
  };
}

export function secret(data: Record<string, string>, name = "db"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: { name, namespace: "podinfo" },
    data: Object.fromEntries(
      Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString("base64")]),
    ),
  };
}

export function configMap(data: Record<string, string>, name = "settings"): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "podinfo" }, data };
}

export const podinfoRef = {
  app: "podinfo",
  cluster: "prod",
  namespace: "podinfo",
  sourceType: "plain",
} as const;

export const oldImage = "ghcr.io/stefanprodan/podinfo:6.7.0";
export const newImage = "ghcr.io/stefanprodan/podinfo:6.7.1";

/** The preview issue's scenario: the head changes the Deployment image and adds a Service. */
export function imageAndServiceInput(): LiveDiffInput {
  return {
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
  };
}

/** The API refuses the Deployment's dry-run (an immutable selector) with `message`, HTTP 422. */
export function rejectedDeploymentInput(message: string): LiveDiffInput {
  return {
    ...podinfoRef,
    objects: [
      {
        desired: deployment(oldImage),
        live: asLive(deployment(oldImage)),
        dryRunError: { message, reason: "Invalid", code: 422 },
      },
    ],
    inventory: [],
  };
}
