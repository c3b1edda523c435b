import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { label, parseField } from "./conditions.ts";
import type { Health } from "./types.ts";

const loadBalancerStatus = z.object({
  loadBalancer: z.object({ ingress: z.array(z.record(z.string(), z.unknown())).optional() }).optional(),
});
const serviceSpecSchema = z.object({ type: z.string().optional() });

function hasAddress(object: KubeObject): boolean | undefined {
  const status = loadBalancerStatus.safeParse(object.status ?? {});
  if (!status.success) return undefined;
  return (status.data.loadBalancer?.ingress?.length ?? 0) > 0;
}

export function serviceHealth(object: KubeObject): Health {
  const spec = parseField(serviceSpecSchema, object, "spec");
  if (!spec.ok) return spec.health;
  if (spec.value.type !== "LoadBalancer") return { status: "Healthy" };
  const address = hasAddress(object);
  if (address === undefined) return { status: "Unknown", message: `${label(object)}: unreadable status` };
  return address
    ? { status: "Healthy" }
    : { status: "Progressing", message: `${label(object)}: waiting for a load balancer address` };
}

/**
 * As in Argo CD: an Ingress is done when its controller published an address. Clusters whose
 * controller never publishes one keep it Progressing: annotate it `ferry.dev/health: ignore`.
 */
export function ingressHealth(object: KubeObject): Health {
  const address = hasAddress(object);
  if (address === undefined) return { status: "Unknown", message: `${label(object)}: unreadable status` };
  return address
    ? { status: "Healthy" }
    : { status: "Progressing", message: `${label(object)}: waiting for an address` };
}
