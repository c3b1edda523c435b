// The judgement of a stream of objects, as `ferry health` prints it: the same checks the
// workers use (registry.ts), one line or JSON entry per object.
import type { KubeObject } from "../kube/types.ts";
import { assessHealth } from "./registry.ts";
import type { HealthCheck, HealthStatus } from "./types.ts";

export interface ObjectHealthReport {
  apiVersion: string;
  kind: string;
  /** "" for cluster-scoped objects and objects without one. */
  namespace: string;
  name: string;
  status: HealthStatus;
  /** "" when the check has nothing to add. */
  message: string;
}

export function judgeObjects(
  objects: readonly KubeObject[],
  checks: ReadonlyMap<string, HealthCheck>,
): ObjectHealthReport[] {
  return objects.map((object) => {
    const health = assessHealth(object, checks);
    const { namespace } = object.metadata;
    return {
      apiVersion: object.apiVersion,
      kind: object.kind,
      namespace: typeof namespace === "string" ? namespace : "",
      name: object.metadata.name,
      status: health.status,
      message: health.message ?? "",
    };
  });
}

/** `Certificate/web-tls: Degraded: Certificate web-tls: issuer not found`, one per line. */
export function formatHealthText(reports: readonly ObjectHealthReport[]): string {
  return reports
    .map(
      (report) =>
        `${report.kind}/${report.name}: ${report.status}${report.message ? `: ${report.message}` : ""}\n`,
    )
    .join("");
}
