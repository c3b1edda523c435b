import { createHelmRenderer } from "./helm/index.ts";
import { createKustomizeRenderer } from "./kustomize/index.ts";
import { createPlainRenderer } from "./plain.ts";
import type { Renderer, SourceType } from "./types.ts";

export type RendererFactory = () => Renderer;

export function defaultRenderers(): Map<SourceType, RendererFactory> {
  return new Map<SourceType, RendererFactory>([
    ["plain", createPlainRenderer],
    ["kustomize", createKustomizeRenderer],
    ["helm", createHelmRenderer],
  ]);
}
