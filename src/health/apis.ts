// Health of API extensions and of custom resources in general.
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { conditionsSchema, findCondition, label, parseField } from "./conditions.ts";
import type { Health } from "./types.ts";

const statusSchema = z.object({ observedGeneration: z.number().optional(), conditions: conditionsSchema });

export function crdHealth(object: KubeObject): Health {
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status.health;
  const { conditions } = status.value;
  const names = findCondition(conditions, "NamesAccepted");
  if (names?.status === "False") {
    return {
      status: "Degraded",
      message: `${label(object)}: names not accepted: ${names.message ?? names.reason ?? ""}`,
    };
  }
  if (findCondition(conditions, "Established")?.status === "True") return { status: "Healthy" };
  return { status: "Progressing", message: `${label(object)} is not established yet` };
}

export function apiServiceHealth(object: KubeObject): Health {
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status.health;
  const available = findCondition(status.value.conditions, "Available");
  if (available?.status === "True") return { status: "Healthy" };
  if (available?.status === "False") {
    return {
      status: "Degraded",
      message: `${label(object)} unavailable: ${available.message ?? available.reason ?? ""}`,
    };
  }
  return { status: "Progressing", message: `${label(object)} has no Available condition yet` };
}

/**
 * Custom resources: the kstatus-like convention most operators follow. A Ready (else Available)
 * condition decides; without either, a controller still catching up on `generation` means
 * Progressing, and anything else is taken as Healthy (many resources have no status at all).
 */
export function genericHealth(object: KubeObject): Health {
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status.health;
  const { conditions, observedGeneration } = status.value;
  const condition = findCondition(conditions, "Ready") ?? findCondition(conditions, "Available");
  const why = condition?.message ?? condition?.reason ?? "";
  if (condition?.status === "True") return { status: "Healthy" };
  if (condition?.status === "False")
    return { status: "Degraded", message: `${label(object)} not ${condition.type}: ${why}`.trim() };
  if (condition?.status === "Unknown")
    return { status: "Progressing", message: `${label(object)}: ${condition.type} is Unknown ${why}`.trim() };
  const generation = object.metadata.generation;
  if (typeof generation === "number" && observedGeneration !== undefined && observedGeneration < generation) {
    return { status: "Progressing", message: `${label(object)}: waiting for the new spec to be observed` };
  }
  return { status: "Healthy" };
}
