// A deploy's check-run annotations: each object the API refused (validate-before-write's
// dry-run or the apply), at the file and line where Git defines it with the API's message, and
// each object the deploy applied. Where an object is defined comes from the render
// (src/render/source.ts); an object without a location (a kustomize build, a vendored subchart)
// gets no annotation. Messages go through the job's scrubbing forge like every other text.
import type { CheckAnnotation } from "../forges/types.ts";
import { groupOf, objectKey, type KubeObject } from "../kube/types.ts";
import { annotationOf } from "../preview/annotations.ts";
import { sourceOf, type SourceLocation } from "../render/source.ts";
import type { SyncOutcome } from "../sync/types.ts";

export function deployAnnotations(
  app: string,
  objects: readonly KubeObject[],
  outcome: Pick<SyncOutcome, "applied" | "refused" | "result">,
): CheckAnnotation[] {
  const where = locations(objects);
  const annotations: CheckAnnotation[] = [];
  const refused = new Set<string>();
  for (const item of outcome.refused ?? []) {
    refused.add(item.key);
    const at = where(item.key);
    if (!at) continue;
    const { kind, name } = partsOf(item.key);
    annotations.push(
      annotationOf(at, { level: "failure", title: `${app}: ${kind} ${name} refused`, message: item.message }),
    );
  }
  const afterwards = outcome.result === "rolled-back" ? ", then rolled back with the revision" : "";
  for (const key of outcome.applied) {
    const at = refused.has(key) ? undefined : where(key);
    if (!at) continue;
    const { kind, name } = partsOf(key);
    annotations.push(
      annotationOf(at, {
        level: "notice",
        title: `${app}: ${kind} ${name} applied`,
        message: `${kind} ${name} was applied by this deploy${afterwards}.`,
      }),
    );
  }
  return annotations;
}

/**
 * Locations by object key. The planner may place an object differently from the render (a
 * custom kind the cluster serves cluster-scoped), so a key also matches without its namespace.
 */
function locations(objects: readonly KubeObject[]): (key: string) => SourceLocation | undefined {
  const byKey = new Map<string, SourceLocation>();
  const byName = new Map<string, SourceLocation>();
  for (const object of objects) {
    const source = sourceOf(object);
    if (!source) continue;
    byKey.set(objectKey(object), source);
    byName.set(`${groupOf(object.apiVersion)}/${object.kind}/${object.metadata.name}`, source);
  }
  return (key) => {
    const { group, kind, name } = partsOf(key);
    return byKey.get(key) ?? byName.get(`${group}/${kind}/${name}`);
  };
}

/** `<group>/<kind>/<namespace>/<name>` (objectKey) taken apart. */
function partsOf(key: string): { group: string; kind: string; name: string } {
  const [group = "", kind = "", , name = ""] = key.split("/");
  return { group, kind, name };
}
