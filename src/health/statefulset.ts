// StatefulSet health as `kubectl rollout status` judges it, including partitioned rollouts
// (only ordinals at or above the partition are expected to update).
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { generationPending, label, parseField } from "./conditions.ts";
import type { Health } from "./types.ts";

const specSchema = z.object({
  replicas: z.number().int().optional(),
  updateStrategy: z
    .object({
      type: z.string().optional(),
      rollingUpdate: z.object({ partition: z.number().int().optional() }).optional(),
    })
    .optional(),
});
const statusSchema = z.object({
  observedGeneration: z.number().optional(),
  readyReplicas: z.number().optional(),
  availableReplicas: z.number().optional(),
  updatedReplicas: z.number().optional(),
  currentRevision: z.string().optional(),
  updateRevision: z.string().optional(),
});

export function statefulSetHealth(object: KubeObject): Health {
  const spec = parseField(specSchema, object, "spec");
  if (!spec.ok) return spec.health;
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status.health;
  const name = label(object);
  const st = status.value;
  if (generationPending(object, st.observedGeneration)) {
    return { status: "Progressing", message: `${name}: waiting for the new spec to be observed` };
  }
  const desired = spec.value.replicas ?? 1;
  const ready = st.readyReplicas ?? 0;
  if (ready < desired)
    return { status: "Progressing", message: `${name}: ${ready} of ${desired} pods ready` };
  // With OnDelete, pods only change when someone deletes them: there is no rollout to wait for.
  if (spec.value.updateStrategy?.type === "OnDelete") return { status: "Healthy" };
  const partition = spec.value.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const expected = desired - partition;
    const updated = st.updatedReplicas ?? 0;
    if (updated < expected) {
      return {
        status: "Progressing",
        message: `${name}: ${updated} of ${expected} partitioned pods updated`,
      };
    }
    return { status: "Healthy", message: `${name}: partitioned rollout done` };
  }
  if (st.updateRevision !== undefined && st.currentRevision !== st.updateRevision) {
    return { status: "Progressing", message: `${name}: rolling out revision ${st.updateRevision}` };
  }
  return { status: "Healthy" };
}
