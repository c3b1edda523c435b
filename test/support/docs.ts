// The snippets a reader copies from README.md and docs/*.md: one parser for every docs test,
// so that what "a snippet" is cannot differ between them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { installRoot } from "../../src/runtime/install.ts";

export interface Fence {
  /** Path relative to the repository, e.g. "docs/health.md". */
  doc: string;
  /** The info string's language ("" for a bare fence). */
  lang: string;
  body: string;
}

export const shellLanguages = ["sh", "bash", "shell"];

/** README.md and every docs/*.md, relative to the repository root. */
export function docFiles(): string[] {
  const docs = readdirSync(join(installRoot, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`);
  return ["README.md", ...docs];
}

/** The fenced blocks of one document, in order. */
export function fences(doc: string): Fence[] {
  const text = readFileSync(join(installRoot, doc), "utf8");
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    doc,
    lang: m[1] ?? "",
    body: m[2] ?? "",
  }));
}

/**
 * The commands of a shell block, one per entry: continuation lines joined, trailing `# ...`
 * comments and blank lines dropped, runs of blanks collapsed (alignment is not meaning).
 */
export function shellCommands(body: string): string[] {
  return body
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((line) =>
      line
        .replace(/\s+#\s.*$/, "")
        .replace(/\s+/g, " ")
        .trim(),
    )
    .filter((line) => line !== "" && !line.startsWith("#"));
}
