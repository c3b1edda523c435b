import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { conditionsSchema, findCondition, label, parseField } from "./conditions.ts";
import type { Health } from "./types.ts";

const specSchema = z.object({ suspend: z.boolean().optional() });
const statusSchema = z.object({ conditions: conditionsSchema });

export function jobHealth(object: KubeObject): Health {
  const spec = parseField(specSchema, object, "spec");
  if (!spec.ok) return spec.health;
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status.health;
  const name = label(object);
  const { conditions } = status.value;
  if (findCondition(conditions, "Complete")?.status === "True") return { status: "Healthy" };
  const failed = findCondition(conditions, "Failed");
  if (failed?.status === "True") {
    return { status: "Degraded", message: `${name} failed: ${failed.message ?? failed.reason ?? "Failed"}` };
  }
  if (spec.value.suspend === true) return { status: "Progressing", message: `${name} is suspended` };
  return { status: "Progressing", message: `${name} is running` };
}
