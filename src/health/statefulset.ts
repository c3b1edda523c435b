// StatefulSet health as `kubectl rollout status` judges it, including partitioned rollouts
// (only ordinals at or above the partition are expected to update).
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { label, observedWorkload, shortOf } from "./conditions.ts";
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
  const parsed = observedWorkload(specSchema, statusSchema, object);
  if (!parsed.ok) return parsed.health;
  const { spec, status: st } = parsed;
  const name = label(object);
  const desired = spec.replicas ?? 1;
  const notReady = shortOf(object, st.readyReplicas ?? 0, desired, "pods ready");
  if (notReady) return notReady;
  // With OnDelete, pods only change when someone deletes them: there is no rollout to wait for.
  if (spec.updateStrategy?.type === "OnDelete") return { status: "Healthy" };
  const partition = spec.updateStrategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const expected = desired - partition;
    const notUpdated = shortOf(object, st.updatedReplicas ?? 0, expected, "partitioned pods updated");
    return notUpdated ?? { status: "Healthy", message: `${name}: partitioned rollout done` };
  }
  if (st.updateRevision !== undefined && st.currentRevision !== st.updateRevision) {
    return { status: "Progressing", message: `${name}: rolling out revision ${st.updateRevision}` };
  }
  return { status: "Healthy" };
}
