// Typed views of the parts of rendered Deployments that the chart tests look at.
import type { KubeObject } from "./helm.ts";

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

export interface Container {
  name: string;
  image: string;
  args: string[];
  env: EnvVar[];
  ports?: Array<{ name: string; containerPort: number }>;
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

export interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken?: boolean;
  securityContext: Record<string, unknown> & { seccompProfile?: { type: string } };
  containers: Container[];
  volumes: Array<{ name: string; emptyDir?: { sizeLimit?: string }; configMap?: { name: string } }>;
}

export interface DeploymentView {
  replicas?: number;
  selector: Record<string, string>;
  podLabels: Record<string, string>;
  podAnnotations: Record<string, string>;
  pod: PodSpec;
  container: Container;
}

export function deployment(object: KubeObject): DeploymentView {
  const spec = object.spec as {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: PodSpec;
    };
  };
  const container = spec.template.spec.containers[0];
  if (!container) throw new Error(`${object.metadata.name} has no container`);
  return {
    ...(spec.replicas === undefined ? {} : { replicas: spec.replicas }),
    selector: spec.selector.matchLabels,
    podLabels: spec.template.metadata.labels,
    podAnnotations: spec.template.metadata.annotations ?? {},
    pod: spec.template.spec,
    container,
  };
}

/** The environment a pod would see, with Secret references replaced by a marker. */
export function envOf(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env) {
    const ref = variable.valueFrom?.secretKeyRef;
    env[variable.name] = ref ? `from-secret-${ref.name}-${ref.key}` : (variable.value ?? "");
  }
  return env;
}
