// Checks rendered objects against the app's project before any request about them is sent:
// the preview refuses to read or dry-run them, the deploy applies nothing of the revision.
// Whether a kind is cluster-scoped comes from the caller (discovery when the cluster is
// reachable, see sync/scope.ts resolveScope), never from a table of this module's own.
import type { AppConfig } from "../config/schema.ts";
import type { ApiFailure } from "../diff/types.ts";
import { AppError } from "../errors.ts";
import { groupOf, objectKey, type KubeClient, type KubeObject } from "../kube/types.ts";
import { discoverScopes } from "../sync/scope.ts";
import { resolveScope, type Scope } from "../sync/scope.ts";
import { destinationsFor, kindMatches, type Project } from "./project.ts";

/** The reason shown with a refused object, beside the API's own reasons (Invalid, Forbidden…). */
export const POLICY_REASON = "RefusedByProject";

export interface Violation {
  /** objectKey of the refused object. */
  key: string;
  /** `ConfigMap kube-system/aws-auth` */
  object: string;
  /** The rule that refused it, in words. */
  rule: string;
}

export function describeObject(object: KubeObject): string {
  const group = groupOf(object.apiVersion);
  const kind = group === "" ? object.kind : `${object.kind}.${group}`;
  const namespace = object.metadata.namespace;
  return `${kind} ${namespace === undefined ? "" : `${namespace}/`}${object.metadata.name}`;
}

function kindName(group: string, kind: string): string {
  return group === "" ? kind : `${group}/${kind}`;
}

function violationOf(project: Project, app: AppConfig, object: KubeObject, scope: Scope): string | undefined {
  const group = groupOf(object.apiVersion);
  const projectName = project.builtIn ? project.name : `project ${project.name}`;
  if (scope === "Cluster") {
    // The built-in project may create its own destination namespace, nothing else.
    const ownNamespace =
      project.builtIn &&
      group === "" &&
      object.kind === "Namespace" &&
      object.metadata.name === app.destination.namespace;
    if (ownNamespace || project.clusterResources.some((rule) => kindMatches(rule, group, object.kind)))
      return undefined;
    return `cluster-scoped kind ${kindName(group, object.kind)} is not allowed by ${projectName} (clusterResources)`;
  }
  const namespace = object.metadata.namespace ?? app.destination.namespace;
  if (destinationsFor(project, app.destination.cluster, namespace).length === 0) {
    const allowed = project.destinations.map((d) => `${d.cluster}/${d.namespace}`).join(", ");
    return `namespace ${namespace} on cluster ${app.destination.cluster} is not a destination of ${projectName} (allowed: ${allowed})`;
  }
  if (project.namespacedResourcesDenied.some((rule) => kindMatches(rule, group, object.kind))) {
    return `kind ${kindName(group, object.kind)} is denied by ${projectName} (namespacedResourcesDenied)`;
  }
  return undefined;
}

/** Every object the project refuses, with the rule; empty when all are allowed. */
export function checkObjects(
  project: Project,
  app: AppConfig,
  objects: readonly KubeObject[],
  scopeOf: (object: KubeObject) => Scope,
): Violation[] {
  const violations: Violation[] = [];
  for (const object of objects) {
    const rule = violationOf(project, app, object, scopeOf(object));
    if (rule !== undefined) violations.push({ key: objectKey(object), object: describeObject(object), rule });
  }
  return violations;
}

/** One error for a refused revision: what was refused and why, one line per object. */
export function policyError(app: AppConfig, violations: readonly Violation[]): AppError {
  const lines = violations.map((v) => `${v.object}: ${v.rule}`);
  return new AppError(
    "POLICY_DENIED",
    `app ${app.name}: ${violations.length === 1 ? "an object is" : `${violations.length} objects are`} refused by its project, nothing was sent to the cluster: ${lines.join("; ")}`,
    { details: { violations } },
  );
}

/**
 * The project's verdict on a render, with scopes from the cluster's discovery when a client is
 * given (discovery asks about kinds, never about the objects), else from the render alone.
 */
export async function violationsOf(
  project: Project,
  app: AppConfig,
  objects: KubeObject[],
  kube?: KubeClient,
): Promise<Violation[]> {
  const discovery = kube === undefined ? undefined : await discoverScopes(kube, objects);
  return checkObjects(project, app, objects, resolveScope(objects, discovery));
}

/** The refusals as the diff engine takes them: one blocking finding per refused object. */
export function refusals(violations: readonly Violation[]): Map<string, ApiFailure> {
  return new Map(violations.map((v) => [v.key, { message: v.rule, reason: POLICY_REASON }]));
}

export function refusedNote(project: Project, violations: readonly Violation[]): string {
  const which = project.builtIn ? `The ${project.name}` : `Project ${project.name}`;
  return `${which} refuses ${violations.length === 1 ? "1 object" : `${violations.length} objects`} of this render, so nothing about this app was sent to the cluster (no read, no dry-run).`;
}
