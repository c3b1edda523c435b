// source.type auto (DESIGN.md §3): a Chart.yaml makes a Helm chart, a kustomization file a
// Kustomize build, anything else a directory of plain manifests.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { SourceConfig } from "../config/schema.ts";
import { findKustomization } from "./kustomize/walk.ts";
import type { SourceType } from "./types.ts";

export async function detectSourceType(
  appDir: string,
  source: Pick<SourceConfig, "type">,
): Promise<SourceType> {
  if (source.type !== "auto") return source.type;
  const chart = await stat(join(appDir, "Chart.yaml")).catch(() => undefined);
  if (chart?.isFile()) return "helm";
  if (await findKustomization(appDir)) return "kustomize";
  return "plain";
}
