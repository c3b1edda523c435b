// renderApp: what workers and `ferry render` call. Read top to bottom: confine the app path,
// pick the renderer, look the inputs up in the cache, render, normalize, store.
import type { AppConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import type { GitService, RepoLocation } from "../git/types.ts";
import { cacheKey, type RenderCache } from "./cache.ts";
import { detectSourceType } from "./detect.ts";
import { renderInputs } from "./inputs.ts";
import { normalizeObjects } from "./normalize.ts";
import { confine } from "./paths.ts";
import { defaultRenderers, type RendererFactory } from "./renderers.ts";
import type { ScopeLookup } from "./scope.ts";
import type { RenderRequest, RenderResult, SourceType } from "./types.ts";

export interface RenderAppOptions {
  /** The checkout's directory (its files are the commit's tree). */
  checkoutDir: string;
  app: Pick<AppConfig, "name" | "path" | "source" | "destination">;
  /** Where tree ids come from; without it (or without a cache) nothing is cached. */
  git?: { service: GitService; location: RepoLocation; sha: string };
  cache?: RenderCache;
  kubeVersion?: string;
  apiVersions?: string[];
  timeoutMs?: number;
  maxOutputBytes?: number;
  signal?: AbortSignal;
  isClusterScoped?: ScopeLookup;
  renderers?: Map<SourceType, RendererFactory>;
}

export async function renderApp(options: RenderAppOptions): Promise<RenderResult> {
  const { app } = options;
  const appDir = await confine(options.checkoutDir, app.path, "app path");
  const sourceType = await detectSourceType(appDir, app.source);
  const request = buildRequest(options);
  const key = await keyFor(options, sourceType, request);
  if (key !== undefined) {
    const cached = await options.cache?.get(key);
    if (cached) return { objects: cached, sourceType, cacheHit: true };
  }
  const factory = (options.renderers ?? defaultRenderers()).get(sourceType);
  if (!factory) throw new AppError("RENDER_FAILED", `no renderer for source type ${sourceType}`);
  const timer = options.cache?.metrics.renderSeconds.startTimer({ type: sourceType });
  const rendered = await factory().render(request);
  timer?.();
  const objects = normalizeObjects(rendered, {
    app: app.name,
    namespace: app.destination.namespace,
    ...(options.isClusterScoped ? { isClusterScoped: options.isClusterScoped } : {}),
  });
  if (key !== undefined) await options.cache?.set(key, objects);
  return { objects, sourceType, cacheHit: false };
}

function buildRequest(options: RenderAppOptions): RenderRequest {
  const { app } = options;
  return {
    rootDir: options.checkoutDir,
    appPath: app.path,
    source: app.source,
    releaseName: app.source.releaseName ?? app.name,
    namespace: app.destination.namespace,
    ...(options.kubeVersion ? { kubeVersion: options.kubeVersion } : {}),
    ...(options.apiVersions ? { apiVersions: options.apiVersions } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxOutputBytes ? { maxOutputBytes: options.maxOutputBytes } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

/** The cache key: object ids of every input path, tool version and every render parameter. */
async function keyFor(
  options: RenderAppOptions,
  type: SourceType,
  request: RenderRequest,
): Promise<string | undefined> {
  const { cache, git } = options;
  if (!cache || !git) return undefined;
  const inputs = await renderInputs(type, request);
  const ids = await treeIds(git, inputs);
  const tool =
    type === "helm"
      ? await cache.toolVersion("helm")
      : type === "kustomize"
        ? await cache.toolVersion("kubectl")
        : "";
  return cacheKey({
    type,
    tool,
    inputs: inputs.map((path) => [path, ids.get(path) ?? "missing"]),
    app: options.app.name,
    appPath: request.appPath,
    source: request.source,
    releaseName: request.releaseName,
    namespace: request.namespace,
    kubeVersion: request.kubeVersion,
    apiVersions: request.apiVersions,
  });
}

async function treeIds(
  git: NonNullable<RenderAppOptions["git"]>,
  paths: string[],
): Promise<Map<string, string | undefined>> {
  if (git.service.treeIds) return git.service.treeIds(git.location, git.sha, paths);
  const ids = new Map<string, string | undefined>();
  for (const path of paths) ids.set(path, await git.service.treeId(git.location, git.sha, path));
  return ids;
}

export { detectSourceType, normalizeObjects, renderInputs };
export { RenderCache, type RenderCacheOptions } from "./cache.ts";
export { touches } from "./inputs.ts";
export { snapshotFs } from "./fsview.ts";
export { appInputs, touchedApps, touchesAppPath, type ChangeCheckouts } from "./touched.ts";
export type { RenderResult, SourceType } from "./types.ts";
