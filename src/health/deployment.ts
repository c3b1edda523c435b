// Deployment health follows `kubectl rollout status`: the new spec is observed, every replica
// runs the new template, no old replica is left, and every updated replica is available.
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { conditionsSchema, findCondition, generationPending, label, parseField } from "./conditions.ts";
import type { Health } from "./types.ts";

const specSchema = z.object({ replicas: z.number().int().optional(), paused: z.boolean().optional() });
const statusSchema = z.object({
  observedGeneration: z.number().optional(),
  replicas: z.number().optional(),
  updatedReplicas: z.number().optional(),
  availableReplicas: z.number().optional(),
  conditions: conditionsSchema,
});

export function deploymentHealth(object: KubeObject): Health {
  const spec = parseField(specSchema, object, "spec");
  if (!spec.ok) return spec.health;
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status.health;
  const { observedGeneration, conditions } = status.value;
  const name = label(object);
  // Argo CD calls this "Suspended"; Ferry's vocabulary has no such state, and a paused
  // Deployment is indeed not done rolling out.
  if (spec.value.paused === true) return { status: "Progressing", message: `${name} is paused` };
  if (generationPending(object, observedGeneration)) {
    return { status: "Progressing", message: `${name}: waiting for the new spec to be observed` };
  }
  const progressing = findCondition(conditions, "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return {
      status: "Degraded",
      message: `${name} exceeded its progress deadline (ProgressDeadlineExceeded)`,
    };
  }
  const desired = spec.value.replicas ?? 1;
  const replicas = status.value.replicas ?? 0;
  const updated = status.value.updatedReplicas ?? 0;
  const available = status.value.availableReplicas ?? 0;
  if (updated < desired) {
    return { status: "Progressing", message: `${name}: ${updated} of ${desired} replicas updated` };
  }
  if (replicas > updated) {
    return {
      status: "Progressing",
      message: `${name}: ${replicas - updated} old replicas pending termination`,
    };
  }
  if (available < updated) {
    return {
      status: "Progressing",
      message: `${name}: ${available} of ${updated} updated replicas available`,
    };
  }
  return { status: "Healthy" };
}
