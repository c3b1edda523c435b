import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { conditionsSchema, findCondition, generationPending, label, parseField } from "./conditions.ts";
import type { Health } from "./types.ts";

const specSchema = z.object({ replicas: z.number().int().optional() });
const statusSchema = z.object({
  observedGeneration: z.number().optional(),
  availableReplicas: z.number().optional(),
  conditions: conditionsSchema,
});

export function replicaSetHealth(object: KubeObject): Health {
  const spec = parseField(specSchema, object, "spec");
  if (!spec.ok) return spec.health;
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status.health;
  const name = label(object);
  if (generationPending(object, status.value.observedGeneration)) {
    return { status: "Progressing", message: `${name}: waiting for the new spec to be observed` };
  }
  // ReplicaFailure: pods cannot be created at all (quota, admission, missing service account).
  const failure = findCondition(status.value.conditions, "ReplicaFailure");
  if (failure?.status === "True") {
    return {
      status: "Degraded",
      message: `${name}: ${failure.message ?? failure.reason ?? "ReplicaFailure"}`,
    };
  }
  const desired = spec.value.replicas ?? 1;
  const available = status.value.availableReplicas ?? 0;
  if (available < desired) {
    return { status: "Progressing", message: `${name}: ${available} of ${desired} replicas available` };
  }
  return { status: "Healthy" };
}
