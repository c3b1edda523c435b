import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { AppError } from "../errors.ts";
import { installRoot } from "../runtime/install.ts";

// helm and kubectl are unpacked by `npm run setup` into <repo>/.tools/bin; FERRY_HELM and
// FERRY_KUBECTL point elsewhere (the container image puts them in /usr/local/bin); else PATH.
const unpackedDir = join(installRoot, ".tools", "bin");

export type ToolName = "helm" | "kubectl";

export const toolVariables: Record<ToolName, string> = { helm: "FERRY_HELM", kubectl: "FERRY_KUBECTL" };

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable `name` on a PATH string, like a shell's lookup. */
export function findExecutable(name: string, path: string | undefined): string | undefined {
  if (name.includes("/")) return executable(name) ? name : undefined;
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir !== "" && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/**
 * Where helm or kubectl is. A missing one is an error that says how to get it, rather than
 * the `spawn helm ENOENT` of the first render that needs it.
 */
export function toolPath(
  tool: ToolName,
  env: NodeJS.ProcessEnv = process.env,
  toolsDir = unpackedDir,
): string {
  const variable = toolVariables[tool];
  const override = env[variable];
  if (override) {
    const found = findExecutable(override, env.PATH);
    if (found) return found;
    throw new AppError(
      "TOOL_MISSING",
      `${tool} not found: ${variable}=${override} is not an executable file; point ${variable} at ${tool}, or unset it to use the one \`npm run setup\` unpacks`,
    );
  }
  const unpacked = join(toolsDir, tool);
  if (executable(unpacked)) return unpacked;
  const onPath = findExecutable(tool, env.PATH);
  if (onPath) return onPath;
  throw new AppError(
    "TOOL_MISSING",
    `${tool} not found: run \`npm run setup\` (it unpacks ${tool} into ${toolsDir}), or set ${variable} to its path`,
  );
}
