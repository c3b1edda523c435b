import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { label, parseField } from "./conditions.ts";
import type { Health } from "./types.ts";

const statusSchema = z.object({ phase: z.string().optional() });

export function pvcHealth(object: KubeObject): Health {
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status.health;
  const phase = status.value.phase;
  if (phase === "Bound") return { status: "Healthy" };
  // Lost: the bound volume is gone; data will not come back by waiting.
  if (phase === "Lost") return { status: "Degraded", message: `${label(object)} lost its volume` };
  return { status: "Progressing", message: `${label(object)} is ${phase ?? "Pending"}` };
}

export function namespaceHealth(object: KubeObject): Health {
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status.health;
  if (status.value.phase === "Terminating")
    return { status: "Progressing", message: `${label(object)} is terminating` };
  return { status: "Healthy" };
}
