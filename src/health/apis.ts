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
  // False is also what a new APIService reports until its backing pods answer
  // (MissingEndpoints, FailedDiscoveryCheck): the health timeout, not the first look, decides.
  if (available?.status === "False") {
    return {
      status: "Progressing",
      message: `${label(object)} unavailable: ${available.message ?? available.reason ?? ""}`,
    };
  }
  return { status: "Progressing", message: `${label(object)} has no Available condition yet` };
}
