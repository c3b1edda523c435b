// One check per kind, chosen through a Map. Keys are `<group>/<kind>` rather than the bare kind
// so that a custom resource that happens to be called "Deployment" or "Job" is not judged by
// the built-in rule. `<group>/*` covers every kind of a group and `*.<domain>/<kind or *>`
// every group under a domain; the most specific key wins (healthCheckFor).
//
// Order of precedence: the user's rules (ferry.yaml health.rules), Ferry's core kinds (code,
// written from the Kubernetes API conventions), the built-in operator rules (CEL data in
// rules/operators.ts), and for everything else the generic conventions (generic.ts).
import { AppError } from "../errors.ts";
import { groupOf, type KubeObject } from "../kube/types.ts";
import { apiServiceHealth, crdHealth } from "./apis.ts";
import { hpaHealth } from "./autoscaling.ts";
import { daemonSetHealth } from "./daemonset.ts";
import { deploymentHealth } from "./deployment.ts";
import { genericHealth } from "./generic.ts";
import { cronJobHealth, jobHealth } from "./job.ts";
import { ingressHealth, serviceHealth } from "./network.ts";
import { podHealth } from "./pod.ts";
import { replicaSetHealth } from "./replicaset.ts";
import { compileRule, type HealthRule } from "./rules/compile.ts";
import { operatorRules } from "./rules/operators.ts";
import { statefulSetHealth } from "./statefulset.ts";
import { namespaceHealth, pvcHealth } from "./storage.ts";
import type { Health, HealthCheck } from "./types.ts";

/** `ferry.dev/health: ignore` on an object makes it count as Healthy whatever its status. */
export const HEALTH_ANNOTATION = "ferry.dev/health";

export function healthKey(apiVersion: string, kind: string): string {
  return `${groupOf(apiVersion)}/${kind}`;
}

const coreChecks: ReadonlyArray<[string, HealthCheck]> = [
  ["apps/Deployment", deploymentHealth],
  ["apps/StatefulSet", statefulSetHealth],
  ["apps/DaemonSet", daemonSetHealth],
  ["apps/ReplicaSet", replicaSetHealth],
  ["batch/Job", jobHealth],
  ["batch/CronJob", cronJobHealth],
  ["autoscaling/HorizontalPodAutoscaler", hpaHealth],
  ["/Pod", podHealth],
  ["/PersistentVolumeClaim", pvcHealth],
  ["/Namespace", namespaceHealth],
  ["/Service", serviceHealth],
  ["networking.k8s.io/Ingress", ingressHealth],
  ["extensions/Ingress", ingressHealth],
  ["apiextensions.k8s.io/CustomResourceDefinition", crdHealth],
  ["apiregistration.k8s.io/APIService", apiServiceHealth],
  // Crossplane's own configuration kinds are not managed resources (rules/operators.ts
  // `*.crossplane.io`): compositions and package revisions have no Ready condition to wait for.
  ["pkg.crossplane.io/*", genericHealth],
  ["apiextensions.crossplane.io/*", genericHealth],
];

/**
 * Compiles rules into their map entries; throws one CONFIG_INVALID listing every broken
 * expression of every rule, each with its path (`health.rules[1].failed: ...`).
 */
export function compileRules(rules: readonly HealthRule[], path: string): Array<[string, HealthCheck]> {
  const entries: Array<[string, HealthCheck]> = [];
  const problems: string[] = [];
  rules.forEach((rule, index) => {
    try {
      entries.push([healthKey(rule.apiVersion, rule.kind), compileRule(rule, `${path}[${index}]`)]);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      problems.push(...((error.details?.problems as string[] | undefined) ?? [error.message]));
    }
  });
  if (problems.length > 0)
    throw new AppError("CONFIG_INVALID", problems.join("; "), { details: { problems } });
  return entries;
}

/**
 * A built-in rule compiled when it meets its first object, so that a short-lived `ferry health`
 * compiles only the kinds it reads. That every built-in rule compiles is a unit test's job
 * (test/unit/health/never-throws.test.ts runs each one).
 */
function compiledOnFirstUse(rule: HealthRule, path: string): HealthCheck {
  let check: HealthCheck | undefined;
  return (object) => (check ??= compileRule(rule, path))(object);
}

let builtins: ReadonlyMap<string, HealthCheck> | undefined;

/** Core kinds and operator rules, built once per process (they are constant). */
function builtinChecks(): ReadonlyMap<string, HealthCheck> {
  builtins ??= new Map([
    ...operatorRules.map((rule, index): [string, HealthCheck] => [
      healthKey(rule.apiVersion, rule.kind),
      compiledOnFirstUse(rule, `built-in rules[${index}]`),
    ]),
    ...coreChecks,
  ]);
  return builtins;
}

/** The built-in checks with the user's rules (ferry.yaml `health.rules`) on top. */
export function defaultHealthChecks(userRules: readonly HealthRule[] = []): Map<string, HealthCheck> {
  return new Map([...builtinChecks(), ...compileRules(userRules, "health.rules")]);
}

/** The most specific check for a kind: exact, `<group>/*`, then `*.<domain>` from the nearest domain. */
export function healthCheckFor(
  checks: ReadonlyMap<string, HealthCheck>,
  apiVersion: string,
  kind: string,
): HealthCheck {
  const group = groupOf(apiVersion);
  const exact = checks.get(`${group}/${kind}`) ?? checks.get(`${group}/*`);
  if (exact) return exact;
  const labels = group.split(".");
  for (let i = 1; i < labels.length; i++) {
    const domain = `*.${labels.slice(i).join(".")}`;
    const check = checks.get(`${domain}/${kind}`) ?? checks.get(`${domain}/*`);
    if (check) return check;
  }
  return genericHealth;
}

/**
 * The health of one live object; `undefined` means it does not exist. Kinds without their own
 * check get the generic conventions, which are Healthy for objects without status (ConfigMap,
 * Secret, RBAC, ...). Never throws: a check that fails on an unforeseen shape gives Unknown.
 */
export function assessHealth(
  live: KubeObject | undefined,
  checks: ReadonlyMap<string, HealthCheck> = builtinChecks(),
): Health {
  if (live === undefined) return { status: "Missing" };
  try {
    if (typeof live.metadata.deletionTimestamp === "string") {
      return { status: "Progressing", message: `${live.kind} ${live.metadata.name} is being deleted` };
    }
    // A way out for objects no controller ever reports on (an Ingress whose controller never
    // publishes an address): without it, automatic rollback would undo every sync of the app.
    if (live.metadata.annotations?.[HEALTH_ANNOTATION] === "ignore") {
      return {
        status: "Healthy",
        message: `${live.kind} ${live.metadata.name}: health not checked (${HEALTH_ANNOTATION}: ignore)`,
      };
    }
    return healthCheckFor(checks, live.apiVersion, live.kind)(live);
  } catch (error) {
    return { status: "Unknown", message: `${live.kind} ${live.metadata?.name}: ${String(error)}` };
  }
}
