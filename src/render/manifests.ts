// Turns YAML text into Kubernetes objects: multi-document, `List` kinds flattened, empty
// documents dropped, and every object checked for the fields apply needs, with errors that
// name the file and line. Given the file's path in the repository, each object also records
// where it is defined (src/render/source.ts): its document's first line.
import * as yaml from "js-yaml";
import { AppError } from "../errors.ts";
import type { KubeObject } from "../kube/types.ts";
import { documentLines, withSourceAt } from "./source.ts";

// Merge keys (<<) are common in hand-written manifests; YAML 1.2's core schema lacks them.
const schema = yaml.CORE_SCHEMA.withTags(yaml.mergeTag);

/**
 * `source` names the text in errors; `origin`, the repository path of a file that is itself
 * the manifests (not a tool's output), makes each object carry its location.
 */
export function parseManifests(text: string, source: string, origin?: { path: string }): KubeObject[] {
  let documents: unknown[];
  try {
    documents = yaml.loadAll(text, { filename: source, schema, maxAliases: 1000 });
  } catch (error) {
    if (!(error instanceof yaml.YAMLException)) throw error;
    const line = error.mark ? error.mark.line + 1 : undefined;
    const where = line === undefined ? source : `${source}:${line}`;
    throw new AppError("MANIFEST_INVALID", `${where}: invalid YAML: ${error.reason}`, {
      details: { file: source, line },
    });
  }
  // Line numbers only when the split by `---` agrees with the loader (else the first line).
  const lines = origin ? documentLines(text) : [];
  const startOf = (index: number) => (lines.length === documents.length ? (lines[index]?.start ?? 1) : 1);
  const objects: KubeObject[] = [];
  documents.forEach((document, index) => {
    if (document === null || document === undefined) return;
    const where = documents.length > 1 ? `${source} (document ${index + 1})` : source;
    for (const object of flatten(document, where)) {
      const checked = checkObject(object, where);
      objects.push(origin ? withSourceAt(checked, { path: origin.path, line: startOf(index) }) : checked);
    }
  });
  return objects;
}

function flatten(document: unknown, where: string): unknown[] {
  if (!isRecord(document)) throw invalid(where, "is not a mapping");
  const kind = document.kind;
  if (typeof kind === "string" && kind.endsWith("List") && Array.isArray(document.items)) {
    return document.items.filter((item) => item !== null && item !== undefined);
  }
  return [document];
}

function checkObject(object: unknown, where: string): KubeObject {
  if (!isRecord(object)) throw invalid(where, "contains an item that is not a mapping");
  const { apiVersion, kind, metadata } = object;
  const label = typeof kind === "string" ? `${kind} ` : "";
  if (typeof apiVersion !== "string" || apiVersion === "") throw invalid(where, `${label}has no apiVersion`);
  if (typeof kind !== "string" || kind === "") throw invalid(where, "has no kind");
  if (!isRecord(metadata) || typeof metadata.name !== "string" || metadata.name === "") {
    throw invalid(where, `${label}has no metadata.name`);
  }
  return object as KubeObject;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(where: string, problem: string): AppError {
  return new AppError("MANIFEST_INVALID", `${where}: ${problem}`, { details: { file: where } });
}
