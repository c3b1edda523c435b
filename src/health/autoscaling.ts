// HorizontalPodAutoscaler health from its conditions (AbleToScale, ScalingActive,
// ScalingLimited). autoscaling/v2 and v2beta* report them in `status.conditions`; autoscaling/v1
// has no such field and carries the same list, JSON-encoded, in an annotation.
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { conditionSchema, findCondition, label, type Condition } from "./conditions.ts";
import type { Health } from "./types.ts";

export const HPA_V1_CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions";

/** How long a new HPA may fail to read metrics before it counts as broken. */
export const METRICS_GRACE_MS = 120_000;

const conditionListSchema = z.array(conditionSchema);

/** The conditions, `[]` when the controller has not reported yet, undefined when unreadable. */
function conditionsOf(object: KubeObject): Condition[] | undefined {
  const status = object.status as { conditions?: unknown } | undefined;
  if (status?.conditions !== undefined) {
    const parsed = conditionListSchema.safeParse(status.conditions);
    return parsed.success ? parsed.data : undefined;
  }
  const encoded = object.metadata.annotations?.[HPA_V1_CONDITIONS_ANNOTATION];
  if (typeof encoded !== "string") return [];
  try {
    const parsed = conditionListSchema.safeParse(JSON.parse(encoded));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function why(condition: Condition): string {
  return `${condition.reason ?? condition.type}${condition.message ? `: ${condition.message}` : ""}`;
}

export function hpaHealth(object: KubeObject): Health {
  const name = label(object);
  const conditions = conditionsOf(object);
  if (conditions === undefined) return { status: "Unknown", message: `${name}: unreadable conditions` };
  const able = findCondition(conditions, "AbleToScale");
  // FailedGetScale / FailedUpdateScale: the target is missing or its scale cannot be changed.
  if (able?.status === "False") return { status: "Degraded", message: `${name}: ${why(able)}` };
  const active = findCondition(conditions, "ScalingActive");
  // The target was scaled to zero by hand: autoscaling is off on purpose until scaled up again.
  if (active?.status === "False" && active.reason === "ScalingDisabled") {
    return { status: "Suspended", message: `${name}: ${why(active)}` };
  }
  // FailedGetResourceMetric, FailedComputeMetricsReplicas, InvalidSelector, ...: the
  // autoscaler cannot compute a replica count, so it does not autoscale at all. Right after a
  // rollout the metrics pipeline has not scraped the new pods yet, so a fresh failure is
  // Progressing and only one older than METRICS_GRACE_MS is Degraded.
  if (active?.status === "False") {
    const since = Date.parse(active.lastTransitionTime ?? "");
    const fresh = Number.isFinite(since) && Date.now() - since < METRICS_GRACE_MS;
    return { status: fresh ? "Progressing" : "Degraded", message: `${name}: ${why(active)}` };
  }
  if (able?.status === "True" && active?.status === "True") return { status: "Healthy" };
  return { status: "Progressing", message: `${name}: waiting for the autoscaler to compute metrics` };
}
