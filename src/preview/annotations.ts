// Where in the repository each changed or refused object of a preview is defined, as check-run
// annotations. The render says where most objects come from (src/render/source.ts): a plain
// manifest's document, a Helm template at the line of its `kind:`. A Helm object points there;
// a plain one at the first line of its document that the change request changed (or its first
// line). Kustomize output does not say, so its objects are looked up among the YAML documents
// of the app's directory by kind and name (with namePrefix/nameSuffix, the name they extend).
import { readFile, readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { diffLines } from "diff";
import * as yaml from "js-yaml";
import type { AppConfig } from "../config/schema.ts";
import type { AppDiff, ResourceChange } from "../diff/types.ts";
import type { CheckAnnotation } from "../forges/types.ts";
import { confine } from "../render/paths.ts";
import { documentLines, type SourceLocation } from "../render/source.ts";
import { actionSymbols, resourceName } from "../report/summary.ts";

interface YamlDocument {
  /** Path relative to the repository root. */
  path: string;
  /** 1-based, inclusive. */
  start: number;
  end: number;
  kind: string | undefined;
  name: string | undefined;
  /** Lines of the head file that differ from the base file. */
  changed: Set<number>;
}

const yamlFile = /\.(ya?ml|json)$/i;
/** Enough for any real app; a pathological tree is not read further. */
const MAX_FILES = 2_000;

export async function annotationsFor(
  app: Pick<AppConfig, "path">,
  diff: AppDiff,
  checkouts: { head: { dir: string }; base: { dir: string } },
): Promise<CheckAnnotation[]> {
  const shown = diff.changes.filter((change) => change.action !== "unchanged");
  if (shown.length === 0) return [];
  const helm = diff.sourceType === "helm";
  // A Helm template's lines are not the output's: only the other sources need the documents.
  const scan = shown.some((change) => !helm || change.source === undefined);
  const documents = scan ? await documentsOf(app.path, checkouts) : [];
  const annotations: CheckAnnotation[] = [];
  for (const change of shown) {
    const at = helm ? change.source : lineIn(change, documents);
    if (!at) continue;
    annotations.push(
      annotationOf(at, {
        level: change.error ? "failure" : "notice",
        title: `${diff.app}: ${actionSymbols[change.action]} ${change.kind} ${resourceName(change)}`,
        message: change.error ? change.error.message : messageOf(change),
      }),
    );
  }
  return annotations;
}

/** A one-line annotation at a location: the shape previews and deploys share. */
export function annotationOf(
  at: SourceLocation,
  text: Pick<CheckAnnotation, "level" | "title" | "message">,
): CheckAnnotation {
  return { path: at.path, startLine: at.line, endLine: at.line, ...text };
}

/** The document that defines the object, at the first line the change request changed in it. */
function lineIn(change: ResourceChange, documents: YamlDocument[]): SourceLocation | undefined {
  const { source } = change;
  const found = source
    ? documents.find((doc) => doc.path === source.path && doc.start === source.line)
    : locate(change, documents);
  if (!found) return source;
  const line = [...found.changed].find((n) => n >= found.start && n <= found.end) ?? found.start;
  return { path: found.path, line };
}

function messageOf(change: ResourceChange): string {
  const verb = {
    add: "added",
    change: "changed",
    remove: "removed",
    unchanged: "unchanged",
    error: "refused",
  };
  const lines = `+${change.stats.added} −${change.stats.removed} lines`;
  const drift = change.drift ? " (reverts a change made in the cluster)" : "";
  return `${change.kind} ${resourceName(change)} is ${verb[change.action]} by this change (${lines})${drift}.`;
}

function locate(change: ResourceChange, documents: YamlDocument[]): YamlDocument | undefined {
  const ofKind = documents.filter((doc) => doc.kind === change.kind);
  const exact = ofKind.find((doc) => doc.name === change.name);
  if (exact) return exact;
  // kustomize's namePrefix/nameSuffix: the file has the name the output extends.
  return ofKind.find((doc) => doc.name !== undefined && change.name.includes(doc.name));
}

async function documentsOf(
  appPath: string,
  checkouts: { head: { dir: string }; base: { dir: string } },
): Promise<YamlDocument[]> {
  const root = checkouts.head.dir;
  const dir = await confine(root, appPath, "app path");
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries
    .filter((entry) => entry.isFile() && yamlFile.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((path) => !path.split("/").some((part) => part.startsWith(".")))
    .sort()
    .slice(0, MAX_FILES);
  const documents: YamlDocument[] = [];
  for (const path of files) {
    const head = await readFile(join(root, path), "utf8");
    // A file new in this change (or one that leaves the checkout) compares with nothing.
    const base = await confine(checkouts.base.dir, path, "file")
      .then((file) => readFile(file, "utf8"))
      .catch(() => "");
    documents.push(...splitDocuments(path, head, changedLines(base, head)));
  }
  return documents;
}

/** Line numbers (1-based) of `head` that are added or changed relative to `base`. */
function changedLines(base: string, head: string): Set<number> {
  const changed = new Set<number>();
  if (base === head) return changed;
  let line = 1;
  for (const part of diffLines(base, head)) {
    const count = part.count ?? 0;
    if (part.added) for (let i = 0; i < count; i++) changed.add(line + i);
    if (!part.removed) line += count;
  }
  return changed;
}

function splitDocuments(path: string, text: string, changed: Set<number>): YamlDocument[] {
  const lines = text.split("\n");
  return documentLines(text).map((document) => ({
    path,
    start: document.start,
    end: document.end,
    ...identity(lines.slice(document.start - 1, document.end).join("\n")),
    changed,
  }));
}

/** kind and metadata.name from a document; templates that are not YAML yet are read by pattern. */
function identity(text: string): { kind: string | undefined; name: string | undefined } {
  try {
    const parsed = yaml.load(text, { schema: yaml.CORE_SCHEMA }) as
      { kind?: unknown; metadata?: { name?: unknown } } | undefined;
    if (parsed && typeof parsed === "object") {
      return {
        kind: typeof parsed.kind === "string" ? parsed.kind : undefined,
        name: typeof parsed.metadata?.name === "string" ? parsed.metadata.name : undefined,
      };
    }
  } catch {
    // a Helm template: fall through to the patterns
  }
  const kind = /^kind:\s*["']?([A-Za-z0-9]+)/m.exec(text)?.[1];
  const name = /^ {2}name:\s*["']?([a-z0-9.-]+)["']?\s*$/m.exec(text)?.[1];
  return { kind, name };
}
