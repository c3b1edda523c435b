// Jobs run to completion: Complete is Healthy, Failed Degraded; `spec.suspend` stops a Job (and
// a CronJob from scheduling) on purpose, which is Suspended, not a rollout to wait for.
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { conditionsSchema, findCondition, label, parseField, parseSpecAndStatus } from "./conditions.ts";
import type { Health } from "./types.ts";

const specSchema = z.object({ suspend: z.boolean().optional() });
const statusSchema = z.object({ conditions: conditionsSchema });

export function jobHealth(object: KubeObject): Health {
  const parsed = parseSpecAndStatus(specSchema, statusSchema, object);
  if (!parsed.ok) return parsed.health;
  const name = label(object);
  const { conditions } = parsed.status;
  if (findCondition(conditions, "Complete")?.status === "True") return { status: "Healthy" };
  const failed = findCondition(conditions, "Failed");
  if (failed?.status === "True") {
    return { status: "Degraded", message: `${name} failed: ${failed.message ?? failed.reason ?? "Failed"}` };
  }
  if (parsed.spec.suspend === true) return { status: "Suspended", message: `${name} is suspended` };
  return { status: "Progressing", message: `${name} is running` };
}

/** A CronJob only schedules Jobs (each judged on its own): it is done once accepted. */
export function cronJobHealth(object: KubeObject): Health {
  const spec = parseField(specSchema, object, "spec");
  if (!spec.ok) return spec.health;
  if (spec.value.suspend === true) return { status: "Suspended", message: `${label(object)} is suspended` };
  return { status: "Healthy" };
}
