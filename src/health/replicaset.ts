import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import {
  awaitingNewSpec,
  conditionsSchema,
  findCondition,
  label,
  parseSpecAndStatus,
  shortOf,
} from "./conditions.ts";
import type { Health } from "./types.ts";

const specSchema = z.object({ replicas: z.number().int().optional() });
const statusSchema = z.object({
  observedGeneration: z.number().optional(),
  availableReplicas: z.number().optional(),
  conditions: conditionsSchema,
});

export function replicaSetHealth(object: KubeObject): Health {
  const parsed = parseSpecAndStatus(specSchema, statusSchema, object);
  if (!parsed.ok) return parsed.health;
  const { spec, status } = parsed;
  const pending = awaitingNewSpec(object, status.observedGeneration);
  if (pending) return pending;
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
