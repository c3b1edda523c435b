import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { generationPending, label, parseField } from "./conditions.ts";
import type { Health } from "./types.ts";

const specSchema = z.object({ updateStrategy: z.object({ type: z.string().optional() }).optional() });
const statusSchema = z.object({
  observedGeneration: z.number().optional(),
  desiredNumberScheduled: z.number().optional(),
  updatedNumberScheduled: z.number().optional(),
  numberAvailable: z.number().optional(),
});

export function daemonSetHealth(object: KubeObject): Health {
  const spec = parseField(specSchema, object, "spec");
  if (!spec.ok) return spec.health;
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status.health;
  const name = label(object);
  const st = status.value;
  if (generationPending(object, st.observedGeneration)) {
    return { status: "Progressing", message: `${name}: waiting for the new spec to be observed` };
  }
  const desired = st.desiredNumberScheduled ?? 0;
  // OnDelete: nodes only get the new template when their pod is deleted by hand.
  if (spec.value.updateStrategy?.type !== "OnDelete") {
    const updated = st.updatedNumberScheduled ?? 0;
    if (updated < desired) {
      return { status: "Progressing", message: `${name}: ${updated} of ${desired} nodes updated` };
    }
  }
  const available = st.numberAvailable ?? 0;
  if (available < desired) {
    return { status: "Progressing", message: `${name}: ${available} of ${desired} pods available` };
  }
  return { status: "Healthy" };
}
