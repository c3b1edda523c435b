// One check per kind, chosen through a Map. Keys are `<group>/<kind>` rather than the bare kind
// so that a custom resource that happens to be called "Deployment" or "Job" is not judged by
// the built-in rule.
import { groupOf, type KubeObject } from "../kube/types.ts";
import { apiServiceHealth, crdHealth } from "./apis.ts";
import { hpaHealth } from "./autoscaling.ts";
import { daemonSetHealth } from "./daemonset.ts";
import { deploymentHealth } from "./deployment.ts";
import { genericHealth } from "./generic.ts";
import { cronJobHealth, jobHealth } from "./job.ts";
import { ingressHealth, serviceHealth } from "./network.ts";
import { podHealth } from "./pod.ts";
import { replicaSetHealth } from "./replicaset.ts";
import { statefulSetHealth } from "./statefulset.ts";
import { namespaceHealth, pvcHealth } from "./storage.ts";
import type { Health, HealthCheck } from "./types.ts";

/** `ferry.dev/health: ignore` on an object makes it count as Healthy whatever its status. */
export const HEALTH_ANNOTATION = "ferry.dev/health";

export function healthKey(apiVersion: string, kind: string): string {
  return `${groupOf(apiVersion)}/${kind}`;
}

export function defaultHealthChecks(): Map<string, HealthCheck> {
  return new Map<string, HealthCheck>([
    ["apps/Deployment", deploymentHealth],
    ["apps/StatefulSet", statefulSetHealth],
    ["apps/DaemonSet", daemonSetHealth],
    ["apps/ReplicaSet", replicaSetHealth],
    ["batch/Job", jobHealth],
    ["batch/CronJob", cronJobHealth],
    ["autoscaling/HorizontalPodAutoscaler", hpaHealth],
    ["/Pod", podHealth],
    ["/PersistentVolumeClaim", pvcHealth],
    ["/Namespace", namespaceHealth],
    ["/Service", serviceHealth],
    ["networking.k8s.io/Ingress", ingressHealth],
    ["extensions/Ingress", ingressHealth],
    ["apiextensions.k8s.io/CustomResourceDefinition", crdHealth],
    ["apiregistration.k8s.io/APIService", apiServiceHealth],
  ]);
}

/**
 * The health of one live object; `undefined` means it does not exist. Kinds without their own
 * check get the generic condition rule, which is Healthy for objects without status
 * (ConfigMap, Secret, RBAC, ...).
 */
export function assessHealth(
  live: KubeObject | undefined,
  checks: ReadonlyMap<string, HealthCheck> = defaultHealthChecks(),
): Health {
  if (live === undefined) return { status: "Missing" };
  if (typeof live.metadata.deletionTimestamp === "string") {
    return { status: "Progressing", message: `${live.kind} ${live.metadata.name} is being deleted` };
  }
  // A way out for objects no controller ever reports on (an Ingress whose controller never
  // publishes an address): without it, automatic rollback would undo every sync of the app.
  if (live.metadata.annotations?.[HEALTH_ANNOTATION] === "ignore") {
    return {
      status: "Healthy",
      message: `${live.kind} ${live.metadata.name}: health not checked (${HEALTH_ANNOTATION}: ignore)`,
    };
  }
  const check = checks.get(healthKey(live.apiVersion, live.kind)) ?? genericHealth;
  return check(live);
}
