// The environment helm and kubectl run in: nothing inherited that could carry a secret or
// reach a network. Proxies point at a closed local port so any download attempt fails at once
// instead of hanging until the timeout.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toolPath, type ToolName } from "./binaries.ts";
import { runTool } from "./exec.ts";

const nowhere = "http://127.0.0.1:9";

export function sealedEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    LANG: "C",
    KUBECONFIG: join(home, "kubeconfig-none"),
    HTTP_PROXY: nowhere,
    HTTPS_PROXY: nowhere,
    http_proxy: nowhere,
    https_proxy: nowhere,
    NO_PROXY: "",
    no_proxy: "",
    HELM_CACHE_HOME: join(home, "cache"),
    HELM_CONFIG_HOME: join(home, "config"),
    HELM_DATA_HOME: join(home, "data"),
    HELM_PLUGINS: join(home, "plugins"),
    HELM_REGISTRY_CONFIG: join(home, "registry.json"),
    HELM_REPOSITORY_CONFIG: join(home, "repositories.yaml"),
    HELM_REPOSITORY_CACHE: join(home, "repository"),
  };
}

/** A private, empty temporary directory for one tool run, removed afterwards. */
export async function withScratch<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "ferry-render-"));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Version strings that go into cache keys: a new helm or kustomize may render differently. */
export async function toolVersion(tool: ToolName): Promise<string> {
  return withScratch(async (home) => {
    const args = tool === "helm" ? ["version", "--short"] : ["version", "--client", "-o", "json"];
    const { stdout } = await runTool(toolPath(tool), args, {
      what: `${tool} version`,
      env: sealedEnv(home),
      timeoutMs: 30_000,
    });
    return stdout.toString("utf8").replace(/\s+/g, " ").trim();
  });
}
