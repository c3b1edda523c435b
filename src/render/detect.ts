// source.type auto (docs/configuration.md): a Chart.yaml makes a Helm chart, a kustomization file a
// Kustomize build, anything else a directory of plain manifests.
import { join } from "node:path";
import type { SourceConfig } from "../config/schema.ts";
import { directFs, type FsView } from "./fsview.ts";
import { findKustomization } from "./kustomize/walk.ts";
import type { SourceType } from "./types.ts";

export async function detectSourceType(
  appDir: string,
  source: Pick<SourceConfig, "type">,
  fs: FsView = directFs,
): Promise<SourceType> {
  if (source.type !== "auto") return source.type;
  if (await fs.isFile(join(appDir, "Chart.yaml"))) return "helm";
  if (await findKustomization(appDir, fs)) return "kustomize";
  return "plain";
}
