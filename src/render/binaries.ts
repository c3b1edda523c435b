import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// helm and kubectl are unpacked by `npm run setup` into <repo>/.tools/bin; FERRY_HELM and
// FERRY_KUBECTL point elsewhere (the container image puts them in /usr/local/bin).
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export type ToolName = "helm" | "kubectl";

export function toolPath(tool: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const override = env[tool === "helm" ? "FERRY_HELM" : "FERRY_KUBECTL"];
  if (override) return override;
  const unpacked = join(repoRoot, ".tools", "bin", tool);
  return existsSync(unpacked) ? unpacked : tool;
}

export { repoRoot };
