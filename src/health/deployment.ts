// Deployment health follows `kubectl rollout status`: the new spec is observed, every replica
// runs the new template, no old replica is left, and every updated replica is available.
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

const specSchema = z.object({ replicas: z.number().int().optional(), paused: z.boolean().optional() });
const statusSchema = z.object({
  observedGeneration: z.number().optional(),
  replicas: z.number().optional(),
  updatedReplicas: z.number().optional(),
  availableReplicas: z.number().optional(),
  conditions: conditionsSchema,
});

export function deploymentHealth(object: KubeObject): Health {
  const parsed = parseSpecAndStatus(specSchema, statusSchema, object);
  if (!parsed.ok) return parsed.health;
  const { spec, status } = parsed;
  const name = label(object);
  // Paused on purpose (`kubectl rollout pause`): the controller will not roll out until resumed,
  // so waiting for it could only end in a timeout.
  if (spec.paused === true) return { status: "Suspended", message: `${name} is paused` };
  const pending = awaitingNewSpec(object, status.observedGeneration);
  if (pending) return pending;
  const progressing = findCondition(status.conditions, "Progressing");
  if (progressing?.reason === "ProgressDeadlineExceeded") {
    return {
      status: "Degraded",
      message: `${name} exceeded its progress deadline (ProgressDeadlineExceeded)`,
    };
  }
  const replicas = status.replicas ?? 0;
  const updated = status.updatedReplicas ?? 0;
  const notUpdated = shortOf(object, updated, spec.replicas ?? 1, "replicas updated");
  if (notUpdated) return notUpdated;
  if (replicas > updated) {
    return {
      status: "Progressing",
      message: `${name}: ${replicas - updated} old replicas pending termination`,
    };
  }
  const available = status.availableReplicas ?? 0;
  return shortOf(object, available, updated, "updated replicas available") ?? { status: "Healthy" };
}
