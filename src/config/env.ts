// `${NAME}` and `${NAME:-default}` in string values of ferry.yaml are read from the
// environment. Expansion happens on parsed values, never on the YAML text, so a variable's
// content can never change the document's structure. A missing variable is an error, not "".

const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface ExpansionProblem {
  path: string;
  variable: string;
}

export function expandEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path = "",
  problems: ExpansionProblem[] = [],
): { value: unknown; problems: ExpansionProblem[] } {
  if (typeof value === "string") {
    const expanded = value.replace(reference, (_whole, variable: string, fallback: string | undefined) => {
      const found = env[variable];
      if (found !== undefined && found !== "") return found;
      if (fallback !== undefined) return fallback;
      problems.push({ path, variable });
      return "";
    });
    return { value: expanded, problems };
  }
  if (Array.isArray(value)) {
    return { value: value.map((item, i) => expandEnv(item, env, `${path}[${i}]`, problems).value), problems };
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = expandEnv(item, env, path ? `${path}.${key}` : key, problems).value;
    }
    return { value: out, problems };
  }
  return { value, problems };
}
