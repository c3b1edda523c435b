// The paths, relative to the checkout root, whose content decides a render's output. Their git
// object ids key the cache, so a commit that touches none of them is a cache hit.
import { relative } from "node:path";
import { directFs, type FsView } from "./fsview.ts";
import { checkSymlinks, confine } from "./paths.ts";
import { walkKustomization } from "./kustomize/walk.ts";
import type { RenderRequest, SourceType } from "./types.ts";

export async function renderInputs(
  type: SourceType,
  request: RenderRequest,
  fs: FsView = directFs,
): Promise<string[]> {
  const root = await fs.realpath(request.rootDir);
  const rel = (path: string) => relative(root, path) || ".";
  const appDir = await confine(root, request.appPath, "app path", root, fs);
  switch (type) {
    case "plain":
      // A symlinked manifest is read through its link: its target decides the output too.
      return [rel(appDir), ...(await checkSymlinks(root, appDir, "manifest file", fs))];
    case "kustomize": {
      const { dirs, files } = await walkKustomization(root, request.appPath, fs);
      return [...dirs, ...files];
    }
    case "helm": {
      const linked = await checkSymlinks(root, appDir, "chart file", fs);
      const values: string[] = [];
      for (const file of request.source.valueFiles)
        values.push(rel(await confine(root, file, "value file", appDir, fs)));
      return [rel(appDir), ...values, ...linked];
    }
  }
}

/** True when `changed` (a path from git diff) is one of `inputs` or lies below one. */
export function touches(inputs: string[], changed: string): boolean {
  return inputs.some((input) => input === "." || changed === input || changed.startsWith(`${input}/`));
}
