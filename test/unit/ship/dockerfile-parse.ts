// A small Dockerfile reader for the lint test: enough of the syntax that Ferry's Dockerfile
// uses (comments, line continuations, ARG defaults in FROM, --flags, exec and shell forms).
// Docker itself is not available where the tests run, so the rules are checked on this model.

export interface Instruction {
  keyword: string;
  /** Text after the keyword with continuations joined. */
  args: string;
  /** Leading `--name=value` flags (COPY --from, --chown). */
  flags: Record<string, string>;
  /** Arguments after the flags: JSON array items in exec form, else split on whitespace. */
  words: string[];
  /** True when the arguments are a JSON array (exec form). */
  execForm: boolean;
  line: number;
}

export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

function logicalLines(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  let buffer = "";
  let start = 0;
  text.split("\n").forEach((raw, index) => {
    const trimmed = raw.trim();
    // Comment lines inside a continuation are dropped by Docker too.
    if (trimmed.startsWith("#") || (trimmed === "" && buffer === "")) return;
    if (buffer === "") start = index + 1;
    if (trimmed.endsWith("\\")) {
      buffer += `${trimmed.slice(0, -1).trimEnd()} `;
      return;
    }
    out.push({ text: (buffer + trimmed).trim(), line: start });
    buffer = "";
  });
  if (buffer) out.push({ text: buffer.trim(), line: start });
  return out;
}

function parseInstruction(text: string, line: number): Instruction {
  const match = /^(\S+)\s*(.*)$/s.exec(text);
  const keyword = (match?.[1] ?? "").toUpperCase();
  const args = match?.[2] ?? "";
  const flags: Record<string, string> = {};
  let rest = args;
  for (
    let flag = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest);
    flag;
    flag = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)
  ) {
    flags[flag[1] ?? ""] = flag[2] ?? "";
    rest = rest.slice(flag[0].length);
  }
  let words: string[];
  let execForm = false;
  if (rest.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(rest);
      if (Array.isArray(parsed) && parsed.every((w) => typeof w === "string")) {
        words = parsed;
        execForm = true;
      } else words = rest.split(/\s+/);
    } catch {
      words = rest.split(/\s+/);
    }
  } else words = rest.split(/\s+/).filter(Boolean);
  return { keyword, args, flags, words, execForm, line };
}

function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a: string | undefined, b: string | undefined) => {
    const name = a ?? b ?? "";
    return vars[name] ?? whole;
  });
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const { text: lineText, line } of logicalLines(text)) {
    const instruction = parseInstruction(lineText, line);
    const current = stages.at(-1);
    if (instruction.keyword === "FROM") {
      const [image = "", as, name] = instruction.words;
      stages.push({
        image: substitute(image, globalArgs),
        name: as?.toUpperCase() === "AS" ? name : undefined,
        instructions: [],
      });
    } else if (!current && instruction.keyword === "ARG") {
      const [name = "", value = ""] = (instruction.words[0] ?? "").split("=");
      globalArgs[name] = value;
    } else if (current) {
      current.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** Parses `.dockerignore` patterns (no negations are used by Ferry's). */
export function dockerignorePatterns(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/** True when `path` (relative, `/`-separated) is excluded by one of the patterns. */
export function isIgnored(path: string, patterns: string[]): boolean {
  const clean = path.replace(/^\.\//, "").replace(/\/$/, "");
  return patterns.some((pattern) => {
    const body = pattern
      .replace(/\/$/, "")
      .split("/")
      .map((segment) =>
        segment === "**"
          ? "(?:.*)"
          : segment
              .replace(/[.+^${}()|[\]\\]/g, "\\$&")
              .replace(/\*/g, "[^/]*")
              .replace(/\?/g, "[^/]"),
      )
      .join("/")
      .replace(/\(\?:\.\*\)\//g, "(?:.*/)?");
    // A pattern matches the path itself or any parent directory of it.
    return new RegExp(`^${body}(?:/.*)?$`).test(clean);
  });
}
