// `kubectl kustomize` with kustomize's own load restrictor left on (LoadRestrictionsRootOnly:
// a kustomization reads files only below its own directory; other directories come in as
// kustomizations of their own, which walkKustomization has confined to the checkout) and no
// plugin or helm flags, after walkKustomization refused anything remote or executable.
import { toolPath } from "../binaries.ts";
import { RENDER_MAX_MEMORY_BYTES, runTool } from "../exec.ts";
import { parseManifests } from "../manifests.ts";
import { confine } from "../paths.ts";
import { sealedEnv, withScratch } from "../tools.ts";
import type { Renderer, RenderRequest } from "../types.ts";
import type { KubeObject } from "../../kube/types.ts";
import { walkKustomization } from "./walk.ts";

export function createKustomizeRenderer(): Renderer {
  return { type: "kustomize", render: renderKustomize };
}

async function renderKustomize(request: RenderRequest): Promise<KubeObject[]> {
  await walkKustomization(request.rootDir, request.appPath);
  const dir = await confine(request.rootDir, request.appPath, "app path");
  const { stdout } = await withScratch((home) =>
    runTool(toolPath("kubectl"), ["kustomize", "--load-restrictor", "LoadRestrictionsRootOnly", dir], {
      what: "kustomize build",
      cwd: home,
      env: sealedEnv(home),
      timeoutMs: request.timeoutMs,
      maxOutputBytes: request.maxOutputBytes,
      maxMemoryBytes: RENDER_MAX_MEMORY_BYTES,
      signal: request.signal,
    }),
  );
  return parseManifests(stdout.toString("utf8"), `kustomize build of ${request.appPath}`);
}
