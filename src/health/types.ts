import type { KubeObject } from "../kube/types.ts";

/**
 * What Ferry can say about one object. Suspended: deliberately stopped (a paused Deployment, a
 * suspended Job or Flux object) — done as far as a sync is concerned, never a failure. Unknown:
 * no rule could judge it (unreadable status, an unfamiliar phase) — reported, but it neither
 * holds a sync up nor triggers a rollback by itself.
 */
export const healthStatuses = [
  "Healthy",
  "Progressing",
  "Degraded",
  "Suspended",
  "Missing",
  "Unknown",
] as const;
export type HealthStatus = (typeof healthStatuses)[number];

export interface Health {
  status: HealthStatus;
  message?: string;
}

/** Worst first: the app's health is the worst of its objects'. */
const severity: Record<HealthStatus, number> = {
  Degraded: 5,
  Missing: 4,
  Progressing: 3,
  Unknown: 2,
  Suspended: 1,
  Healthy: 0,
};

export function worstHealth(healths: Health[]): Health {
  return healths.reduce<Health>(
    (worst, next) => (severity[next.status] > severity[worst.status] ? next : worst),
    {
      status: "Healthy",
    },
  );
}

/**
 * A sync waiting for health is done once no object is still on its way (Progressing) or not
 * there yet (Missing). Degraded fails it; Healthy, Suspended and Unknown end the wait.
 */
export function settled(status: HealthStatus): boolean {
  return status === "Healthy" || status === "Suspended" || status === "Unknown";
}

/** A pure judgement of one live object (src/health/registry.ts holds one per kind). */
export type HealthCheck = (live: KubeObject) => Health;
