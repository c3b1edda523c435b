import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { conditionsSchema, findCondition, label, parseField } from "./conditions.ts";
import type { Health } from "./types.ts";

/** Waiting reasons that do not resolve by themselves: somebody has to change something. */
const stuckReasons = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
]);

const containerStatusSchema = z.object({
  name: z.string(),
  state: z
    .object({
      waiting: z.object({ reason: z.string().optional(), message: z.string().optional() }).optional(),
    })
    .optional(),
});
const statusSchema = z.object({
  phase: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  conditions: conditionsSchema,
  initContainerStatuses: z.array(containerStatusSchema).optional(),
  containerStatuses: z.array(containerStatusSchema).optional(),
});

export function podHealth(object: KubeObject): Health {
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status.health;
  const name = label(object);
  const st = status.value;
  if (st.phase === "Succeeded") return { status: "Healthy" };
  if (st.phase === "Failed") {
    return { status: "Degraded", message: `${name} failed: ${st.message ?? st.reason ?? "Failed"}` };
  }
  const containers = [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])];
  for (const container of containers) {
    const reason = container.state?.waiting?.reason;
    if (reason !== undefined && stuckReasons.has(reason)) {
      return { status: "Degraded", message: `${name}: container ${container.name} is in ${reason}` };
    }
  }
  if (st.phase === "Running" && findCondition(st.conditions, "Ready")?.status === "True")
    return { status: "Healthy" };
  return { status: "Progressing", message: `${name} is ${st.phase ?? "Pending"} and not ready` };
}
