// Where in the repository a rendered object is defined: the file (relative to the repository
// root) and the line, kept on the object itself as the Ferry-local SOURCE_ANNOTATION
// (src/kube/types.ts) from the renderer to the reports that point at it (check-run
// annotations), through the render cache. Plain manifests: the first line of the object's YAML
// document. Helm: the template `# Source:` names (helm/sources.ts).
import { SOURCE_ANNOTATION, type KubeObject } from "../kube/types.ts";

export interface SourceLocation {
  /** Relative to the repository root, with forward slashes. */
  path: string;
  /** 1-based. */
  line: number;
}

export function withSourceAt(object: KubeObject, location: SourceLocation): KubeObject {
  const annotations = {
    ...object.metadata.annotations,
    [SOURCE_ANNOTATION]: `${location.path}:${location.line}`,
  };
  return { ...object, metadata: { ...object.metadata, annotations } };
}

export function sourceOf(object: Pick<KubeObject, "metadata"> | undefined): SourceLocation | undefined {
  const value = object?.metadata.annotations?.[SOURCE_ANNOTATION];
  const match = value === undefined ? null : /^(.+):(\d+)$/.exec(value);
  if (!match) return undefined;
  const line = Number(match[2]);
  return line >= 1 ? { path: match[1] as string, line } : undefined;
}

/** One YAML document of a stream, by line numbers (1-based, inclusive). */
export interface DocumentLines {
  /** The document's first line that is neither blank nor a comment. */
  start: number;
  end: number;
  /** The line of a top-level `kind:` in it, when there is one. */
  kindLine: number | undefined;
  /** That `kind:`'s value as written (a template may write an expression). */
  kind: string | undefined;
}

const marker = /^---(\s|$)/;
const noContent = /^\s*(#.*)?$|^\.\.\.(\s|$)|^%/;

/**
 * The documents of a YAML stream in the order a YAML loader yields them: the text before the
 * first `---` only when it holds something, then one per `---` (empty ones included, as the
 * loader yields them as null). Templates split the same way, line for line.
 */
export function documentLines(text: string): DocumentLines[] {
  const lines = text.split("\n");
  const documents: DocumentLines[] = [];
  let begin = 0;
  let explicit = false;
  const close = (end: number) => {
    let start = -1;
    let kindLine: number | undefined;
    let kind: string | undefined;
    for (let index = begin; index < end; index++) {
      const line = index === begin && explicit ? (lines[index] as string).slice(3) : (lines[index] as string);
      if (start === -1 && !noContent.test(line)) start = index;
      const declared = /^kind:\s*(.*?)\s*$/.exec(line);
      if (declared && kindLine === undefined) {
        kindLine = index + 1;
        kind = declared[1]?.replace(/^["']|["']$/g, "");
      }
    }
    if (start === -1 && !explicit) return;
    documents.push({ start: (start === -1 ? begin : start) + 1, end, kindLine, kind });
  };
  lines.forEach((line, index) => {
    if (!marker.test(line)) return;
    close(index);
    begin = index;
    explicit = true;
  });
  close(lines.length);
  return documents;
}
