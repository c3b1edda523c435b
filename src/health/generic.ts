// Health of kinds without a rule of their own, from the conventions most controllers follow
// (Kubernetes' kstatus and API conventions):
//   spec.suspend / spec.paused true            -> Suspended (stopped on purpose)
//   status.observedGeneration, or a condition's,
//     < generation                             -> Progressing (the status describes an older spec)
//   Stalled=True                               -> Degraded (kstatus: the controller gave up)
//   Synced=False (Crossplane)                  -> Degraded, Suspended with reason ReconcilePaused
//   Reconciling=True                           -> Progressing
//   Ready (else Available) True/False/Unknown  -> Healthy / Degraded, or Progressing when the
//                                                 reason says it is on its way / Progressing
//   status.phase or status.state               -> by the vocabularies below; an unfamiliar
//                                                 value is Unknown
//   none of these                              -> Healthy (ConfigMap, Secret, RBAC, ... have no
//                                                 status at all)
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { conditionsSchema, findCondition, label, type Condition } from "./conditions.ts";
import type { Health, HealthStatus } from "./types.ts";

/** Common `status.phase` / `status.state` values, lower-cased, by what they mean. */
const phases: ReadonlyMap<string, HealthStatus> = new Map(
  (
    [
      [
        "Healthy",
        "active available bound complete completed deployed established healthy ok ready running succeeded success synced provisioned",
      ],
      [
        "Progressing",
        "creating deleting deploying initializing installing inprogress in_progress new pending progressing provisioning reconciling scaling starting terminating updating upgrading waiting",
      ],
      [
        "Degraded",
        "crashloopbackoff degraded error errored failed failure invalid rejected unavailable unhealthy",
      ],
      ["Suspended", "hibernated paused stopped suspended"],
    ] as const
  ).flatMap(([status, words]) => words.split(" ").map((word): [string, HealthStatus] => [word, status])),
);

/** Reasons of a Ready=False condition that mean "not yet" rather than "failed". */
const onItsWay =
  /progress|pending|creat|provision|initiali[sz]|reconcil|wait|install|upgrad|updat|deploy|start|scal/i;

const lenientText = z.string().optional().catch(undefined);
const specSchema = z.object({ suspend: z.unknown().optional(), paused: z.unknown().optional() }).catch({});
const statusSchema = z.object({
  // Some operators (Argo Rollouts, older ones) write the generation as a string.
  observedGeneration: z
    .union([z.number(), z.string().regex(/^\d+$/).transform(Number)])
    .optional()
    .catch(undefined),
  conditions: conditionsSchema,
  phase: lenientText,
  state: lenientText,
  message: lenientText,
});

function because(condition: Condition): string {
  return condition.message ?? condition.reason ?? "";
}

function suffix(text: string | undefined): string {
  return text ? `: ${text}` : "";
}

function byCondition(object: KubeObject, conditions: Condition[] | undefined): Health | undefined {
  const name = label(object);
  const stalled = findCondition(conditions, "Stalled");
  if (stalled?.status === "True")
    return { status: "Degraded", message: `${name} stalled${suffix(because(stalled))}` };
  // Crossplane's convention (managed resources, composites, claims in any group): Synced=False
  // means the provider cannot reconcile the resource at all.
  const synced = findCondition(conditions, "Synced");
  // The `crossplane.io/paused` annotation: stopped on purpose.
  if (synced?.status === "False" && synced.reason === "ReconcilePaused")
    return { status: "Suspended", message: `${name}: reconciliation paused` };
  if (synced?.status === "False")
    return { status: "Degraded", message: `${name} not Synced${suffix(because(synced))}` };
  const reconciling = findCondition(conditions, "Reconciling");
  if (reconciling?.status === "True") {
    return { status: "Progressing", message: `${name} is reconciling${suffix(because(reconciling))}` };
  }
  const ready = findCondition(conditions, "Ready") ?? findCondition(conditions, "Available");
  if (ready === undefined) return undefined;
  if (ready.status === "True") return { status: "Healthy" };
  const message = `${name} not ${ready.type}${suffix(because(ready))}`;
  if (ready.status === "False" && !onItsWay.test(ready.reason ?? "")) return { status: "Degraded", message };
  return { status: "Progressing", message };
}

export function genericHealth(object: KubeObject): Health {
  const name = label(object);
  const spec = specSchema.parse(object.spec ?? {});
  if (spec.suspend === true || spec.paused === true) {
    return { status: "Suspended", message: `${name} is ${spec.suspend === true ? "suspended" : "paused"}` };
  }
  const parsed = statusSchema.safeParse(object.status ?? {});
  if (!parsed.success) return { status: "Unknown", message: `${name}: unreadable status` };
  const status = parsed.data;
  const generation = object.metadata.generation;
  // metav1.Condition carries the generation it was set for: a Ready condition of the previous
  // spec says nothing about this one.
  const observed = [status.observedGeneration, ...(status.conditions ?? []).map((c) => c.observedGeneration)];
  if (typeof generation === "number" && observed.some((seen) => seen !== undefined && seen < generation)) {
    return { status: "Progressing", message: `${name}: waiting for generation ${generation} to be observed` };
  }
  const fromConditions = byCondition(object, status.conditions);
  if (fromConditions) return fromConditions;
  const phase = status.phase ?? status.state;
  if (phase === undefined || phase === "") return { status: "Healthy" };
  const meaning = phases.get(phase.toLowerCase());
  if (meaning === undefined) return { status: "Unknown", message: `${name}: unfamiliar phase "${phase}"` };
  if (meaning === "Healthy") return { status: "Healthy" };
  return { status: meaning, message: `${name} is ${phase}${suffix(status.message)}` };
}
