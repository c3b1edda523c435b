import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { conditionsSchema, findCondition, label, observedWorkload, shortOf } from "./conditions.ts";
import type { Health } from "./types.ts";

const specSchema = z.object({ replicas: z.number().int().optional() });
const statusSchema = z.object({
  observedGeneration: z.number().optional(),
  availableReplicas: z.number().optional(),
  conditions: conditionsSchema,
});

export function replicaSetHealth(object: KubeObject): Health {
  const parsed = observedWorkload(specSchema, statusSchema, object);
  if (!parsed.ok) return parsed.health;
  const { spec, status } = parsed;
  // ReplicaFailure: pods cannot be created at all (quota, admission, missing service account).
  const failure = findCondition(status.conditions, "ReplicaFailure");
  if (failure?.status === "True") {
    return {
      status: "Degraded",
      message: `${label(object)}: ${failure.message ?? failure.reason ?? "ReplicaFailure"}`,
    };
  }
  const available = shortOf(object, status.availableReplicas ?? 0, spec.replicas ?? 1, "replicas available");
  return available ?? { status: "Healthy" };
}
