// Where a document of `helm template` output is defined: helm heads each document with
// `# Source: <chart>/templates/x.yaml` (a subchart's: `<chart>/charts/<sub>/templates/y.yaml`),
// named by the charts' names, not by their directories. That path becomes one in the repository
// (the app's chart path, then the subchart directories found by name or alias under charts/),
// and the line the template's `kind:` of that document (the document's first line when the kind
// is not written out, 1 when the template cannot be read). A subchart vendored as an archive has
// no file in the repository: its objects get no location.
import { readdir, readFile } from "node:fs/promises";
import { join, posix } from "node:path";
import * as yaml from "js-yaml";
import type { KubeObject } from "../../kube/types.ts";
import { isRecord } from "../manifests.ts";
import { documentLines, withSourceAt, type DocumentLines, type SourceLocation } from "../source.ts";

/** One document of helm's output: the template it came from and its objects. */
export interface HelmDocument {
  /** What `# Source:` says, undefined when helm printed none. */
  source: string | undefined;
  objects: KubeObject[];
}

interface Template {
  /** Relative to the repository root. */
  path: string;
  documents: DocumentLines[];
}

/**
 * The objects with their locations. `chartDir` is the chart's directory on disk (inside the
 * checkout, symlinks already checked), `chartPath` the same relative to the repository root.
 */
export async function locateHelmDocuments(
  documents: HelmDocument[],
  chart: { chartDir: string; chartPath: string },
): Promise<KubeObject[]> {
  const templates = new Map<string, Promise<Template | undefined>>();
  /** Documents of each template seen so far, and of each template and kind. */
  const seen = new Map<string, number>();
  const objects: KubeObject[] = [];
  for (const document of documents) {
    const { source } = document;
    if (source === undefined) {
      objects.push(...document.objects);
      continue;
    }
    let template = templates.get(source);
    if (!template) {
      template = readTemplate(chart, source).catch(() => undefined);
      templates.set(source, template);
    }
    const found = await template;
    const nth = count(seen, source);
    for (const object of document.objects) {
      const location = found && locate(found, object.kind, nth, count(seen, `${source}\n${object.kind}`));
      objects.push(location ? withSourceAt(object, location) : object);
    }
  }
  return objects;
}

function count(seen: Map<string, number>, key: string): number {
  const n = seen.get(key) ?? 0;
  seen.set(key, n + 1);
  return n;
}

/**
 * The template document that declares this kind (the nth such output document goes to the nth
 * such template document, the last one taking the rest, as a range repeats it), else the
 * template's nth document, else its first line.
 */
function locate(template: Template, kind: string, nth: number, nthOfKind: number): SourceLocation {
  const ofKind = template.documents.filter((document) => document.kind === kind);
  const document =
    ofKind.length > 0 ? ofKind[Math.min(nthOfKind, ofKind.length - 1)] : template.documents[nth];
  return { path: template.path, line: document?.kindLine ?? document?.start ?? 1 };
}

async function readTemplate(
  chart: { chartDir: string; chartPath: string },
  source: string,
): Promise<Template | undefined> {
  const inChart = await pathInChart(chart.chartDir, source);
  if (inChart === undefined) return undefined;
  const text = await readFile(join(chart.chartDir, inChart), "utf8");
  return { path: posix.join(chart.chartPath, inChart), documents: documentLines(text) };
}

/** `web/charts/cache/templates/x.yaml` → `charts/redis/templates/x.yaml` (relative to the chart). */
async function pathInChart(chartDir: string, source: string): Promise<string | undefined> {
  const parts = source.split("/").slice(1);
  if (parts.some((part) => part === ".." || part === "")) return undefined;
  const path: string[] = [];
  let dir = chartDir;
  while (parts[0] === "charts" && parts.length > 2) {
    const sub = await subchartDir(dir, parts[1] as string);
    if (sub === undefined) return undefined;
    path.push("charts", sub);
    dir = join(dir, "charts", sub);
    parts.splice(0, 2);
  }
  return [...path, ...parts].join("/");
}

/** The directory under `dir`/charts of the subchart helm calls `name` (its name or its alias). */
async function subchartDir(dir: string, name: string): Promise<string | undefined> {
  const parent = await chartYaml(join(dir, "Chart.yaml"));
  const dependencies = Array.isArray(parent?.dependencies) ? parent.dependencies.filter(isRecord) : [];
  const aliased = dependencies.find((dependency) => dependency.alias === name)?.name;
  const wanted = typeof aliased === "string" ? aliased : name;
  const entries = await readdir(join(dir, "charts"), { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  if (dirs.includes(wanted)) return wanted;
  for (const candidate of dirs.sort()) {
    const meta = await chartYaml(join(dir, "charts", candidate, "Chart.yaml"));
    if (meta?.name === wanted) return candidate;
  }
  return undefined;
}

async function chartYaml(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed = yaml.load(await readFile(file, "utf8"), { schema: yaml.CORE_SCHEMA });
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
