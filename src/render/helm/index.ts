// `helm template` with a throw-away HELM_*_HOME and no network. Test hooks are skipped; other
// hooks stay in the output and keep their helm.sh/hook annotations, which is how the sync
// stage recognizes them. CRDs from crds/ are included, as `helm install` would apply them.
// Each object keeps where its template is (sources.ts).
import { writeFile } from "node:fs/promises";
import { join, posix, relative } from "node:path";
import type { KubeObject } from "../../kube/types.ts";
import { toolPath } from "../binaries.ts";
import { RENDER_MAX_MEMORY_BYTES, runTool } from "../exec.ts";
import { parseManifests } from "../manifests.ts";
import { checkSymlinks, confine } from "../paths.ts";
import { sealedEnv, withScratch } from "../tools.ts";
import type { Renderer, RenderRequest } from "../types.ts";
import { checkVendoredDependencies } from "./dependencies.ts";
import { locateHelmDocuments, type HelmDocument } from "./sources.ts";

export function createHelmRenderer(): Renderer {
  return { type: "helm", render: renderHelm };
}

async function renderHelm(request: RenderRequest): Promise<KubeObject[]> {
  const chartDir = await confine(request.rootDir, request.appPath, "chart path");
  // helm follows symlinks inside a chart (.Files.Get, templates): none may lead outside.
  await checkSymlinks(request.rootDir, chartDir, "chart file");
  await checkVendoredDependencies(chartDir, request.appPath);
  const valueFiles: string[] = [];
  for (const file of request.source.valueFiles)
    valueFiles.push(await confine(request.rootDir, file, "value file", chartDir));

  const output = await withScratch(async (home) => {
    const args = [
      "template",
      request.releaseName,
      chartDir,
      "--namespace",
      request.namespace,
      "--skip-tests",
      "--include-crds",
    ];
    for (const file of valueFiles) args.push("--values", file);
    if (Object.keys(request.source.values).length > 0) {
      // A file rather than --set: values keep their types and never show up in argv.
      const inline = join(home, "inline-values.json");
      await writeFile(inline, JSON.stringify(request.source.values));
      args.push("--values", inline);
    }
    if (request.kubeVersion) args.push("--kube-version", request.kubeVersion);
    for (const apiVersion of request.apiVersions ?? []) args.push("--api-versions", apiVersion);
    const { stdout } = await runTool(toolPath("helm"), args, {
      what: "helm template",
      cwd: home,
      env: sealedEnv(home),
      timeoutMs: request.timeoutMs,
      maxOutputBytes: request.maxOutputBytes,
      maxMemoryBytes: RENDER_MAX_MEMORY_BYTES,
      signal: request.signal,
    });
    return stdout.toString("utf8");
  });
  const documents = parseHelmOutput(output, relative(request.rootDir, chartDir) || ".");
  return locateHelmDocuments(documents, { chartDir, chartPath: posix.normalize(request.appPath) });
}

/** helm prints `# Source: <template>` atop each document; errors then name the template. */
export function parseHelmOutput(output: string, chart: string): HelmDocument[] {
  return output.split(/^---[ \t]*$/m).map((chunk) => {
    const source = /^# Source: (.+)$/m.exec(chunk)?.[1]?.trim();
    return {
      source,
      objects: parseManifests(chunk, source ? `${chart}: ${source}` : `helm output of ${chart}`),
    };
  });
}
