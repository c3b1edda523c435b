import type { SourceConfig } from "../config/schema.ts";
import type { KubeObject } from "../kube/types.ts";

export type SourceType = "plain" | "kustomize" | "helm";

export interface RenderRequest {
  /** The checkout root: nothing outside it may be read. */
  rootDir: string;
  /** The app's path, relative to rootDir. */
  appPath: string;
  source: SourceConfig;
  releaseName: string;
  namespace: string;
  kubeVersion?: string;
  apiVersions?: string[];
  timeoutMs?: number;
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

export interface Renderer {
  readonly type: SourceType;
  render(request: RenderRequest): Promise<KubeObject[]>;
}

export interface RenderResult {
  objects: KubeObject[];
  sourceType: SourceType;
  cacheHit: boolean;
}
