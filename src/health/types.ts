import type { KubeObject } from "../kube/types.ts";

export const healthStatuses = ["Healthy", "Progressing", "Degraded", "Missing", "Unknown"] as const;
export type HealthStatus = (typeof healthStatuses)[number];

export interface Health {
  status: HealthStatus;
  message?: string;
}

/** Worst first: the app's health is the worst of its objects'. */
const severity: Record<HealthStatus, number> = {
  Degraded: 4,
  Missing: 3,
  Progressing: 2,
  Unknown: 1,
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

/** A pure judgement of one live object (src/health/registry.ts holds one per kind). */
export type HealthCheck = (live: KubeObject) => Health;
