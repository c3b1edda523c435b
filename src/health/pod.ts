// Pod health from its phase, restart policy and container states. A pod that is meant to run
// to completion (restartPolicy Never/OnFailure) is only done when it Succeeded; one meant to
// keep running (Always, the default) is done when Running and Ready.
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { conditionsSchema, findCondition, label, parseSpecAndStatus } from "./conditions.ts";
import type { Health } from "./types.ts";

/** Waiting reasons that do not resolve by themselves: somebody has to change something. */
const stuckWaiting = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "ErrImageNeverPull",
  "InvalidImageName",
  "ImageInspectError",
  "CreateContainerConfigError",
  "CreateContainerError",
  "RunContainerError",
  "PreStartHookError",
  "PostStartHookError",
]);

/** Termination reasons of a container that failed (as opposed to "Completed"). */
const failedTermination = new Set([
  "Error",
  "OOMKilled",
  "ContainerCannotRun",
  "StartError",
  "DeadlineExceeded",
]);

const stateSchema = z
  .object({
    waiting: z.object({ reason: z.string().optional(), message: z.string().optional() }).optional(),
    terminated: z
      .object({
        reason: z.string().optional(),
        exitCode: z.number().optional(),
        message: z.string().optional(),
      })
      .optional(),
  })
  .optional();
const containerStatusSchema = z.object({ name: z.string(), state: stateSchema });
const specSchema = z.object({ restartPolicy: z.string().optional() });
const statusSchema = z.object({
  phase: z.string().optional(),
  reason: z.string().optional(),
  message: z.string().optional(),
  conditions: conditionsSchema,
  initContainerStatuses: z.array(containerStatusSchema).optional(),
  containerStatuses: z.array(containerStatusSchema).optional(),
});
type ContainerStatus = z.infer<typeof containerStatusSchema>;

/** Why a container cannot get anywhere without someone changing something, if it cannot. */
function stuck(container: ContainerStatus, restarts: boolean): string | undefined {
  const waiting = container.state?.waiting?.reason;
  if (waiting !== undefined && stuckWaiting.has(waiting)) return waiting;
  const terminated = container.state?.terminated;
  // With restartPolicy Never the pod phase says Failed soon after; with a restarting policy
  // the container is about to be restarted into CrashLoopBackOff.
  if (restarts && terminated?.reason !== undefined && failedTermination.has(terminated.reason)) {
    return terminated.reason;
  }
  return undefined;
}

export function podHealth(object: KubeObject): Health {
  const parsed = parseSpecAndStatus(specSchema, statusSchema, object);
  if (!parsed.ok) return parsed.health;
  const name = label(object);
  const st = parsed.status;
  const policy = parsed.spec.restartPolicy ?? "Always";
  if (st.phase === "Succeeded") return { status: "Healthy" };
  if (st.phase === "Failed") {
    return { status: "Degraded", message: `${name} failed: ${st.message ?? st.reason ?? "Failed"}` };
  }
  if (st.phase === "Unknown") {
    return {
      status: "Unknown",
      message: `${name}: the node stopped reporting (${st.reason ?? "phase Unknown"})`,
    };
  }
  const containers = [...(st.initContainerStatuses ?? []), ...(st.containerStatuses ?? [])];
  for (const container of containers) {
    const reason = stuck(container, policy !== "Never");
    if (reason !== undefined) {
      return { status: "Degraded", message: `${name}: container ${container.name} is in ${reason}` };
    }
  }
  if (policy !== "Always") {
    return { status: "Progressing", message: `${name} is ${st.phase ?? "Pending"} (runs to completion)` };
  }
  if (st.phase === "Running" && findCondition(st.conditions, "Ready")?.status === "True")
    return { status: "Healthy" };
  return { status: "Progressing", message: `${name} is ${st.phase ?? "Pending"} and not ready` };
}
