import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { observedWorkload, shortOf } from "./conditions.ts";
import type { Health } from "./types.ts";

const specSchema = z.object({ updateStrategy: z.object({ type: z.string().optional() }).optional() });
const statusSchema = z.object({
  observedGeneration: z.number().optional(),
  desiredNumberScheduled: z.number().optional(),
  updatedNumberScheduled: z.number().optional(),
  numberAvailable: z.number().optional(),
});

export function daemonSetHealth(object: KubeObject): Health {
  const parsed = observedWorkload(specSchema, statusSchema, object);
  if (!parsed.ok) return parsed.health;
  const { spec, status: st } = parsed;
  const desired = st.desiredNumberScheduled ?? 0;
  // OnDelete: nodes only get the new template when their pod is deleted by hand.
  if (spec.updateStrategy?.type !== "OnDelete") {
    const notUpdated = shortOf(object, st.updatedNumberScheduled ?? 0, desired, "nodes updated");
    if (notUpdated) return notUpdated;
  }
  return shortOf(object, st.numberAvailable ?? 0, desired, "pods available") ?? { status: "Healthy" };
}
