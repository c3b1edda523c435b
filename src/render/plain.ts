// Plain manifests: every .yaml/.yml/.json file of the app directory (and below, with recurse),
// parsed file by file so a file without a trailing `---` never runs into the next one.
import { readFile, readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { AppError } from "../errors.ts";
import type { KubeObject } from "../kube/types.ts";
import { DEFAULT_MAX_OUTPUT_BYTES } from "./exec.ts";
import { parseManifests } from "./manifests.ts";
import { confine } from "./paths.ts";
import type { Renderer, RenderRequest } from "./types.ts";

const manifestFile = /\.(ya?ml|json)$/i;

export function createPlainRenderer(): Renderer {
  return { type: "plain", render: renderPlain };
}

async function renderPlain(request: RenderRequest): Promise<KubeObject[]> {
  const dir = await confine(request.rootDir, request.appPath, "app path");
  const files = await listManifestFiles(dir, request.source.recurse);
  const limit = request.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  let total = 0;
  const objects: KubeObject[] = [];
  for (const file of files) {
    request.signal?.throwIfAborted();
    const shown = relative(request.rootDir, file);
    const real = await confine(request.rootDir, shown, "manifest file");
    const info = await stat(real);
    if (info.isDirectory()) continue; // a symlink to a directory named like a manifest
    total += info.size;
    if (total > limit)
      throw new AppError("RENDER_TOO_LARGE", `the manifests of ${request.appPath} exceed ${limit} bytes`);
    objects.push(...parseManifests(await readFile(real, "utf8"), shown, { path: shown }));
  }
  return objects;
}

/** Sorted so the output order does not depend on the file system. Symlinked directories are not entered. */
export async function listManifestFiles(dir: string, recurse: boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: recurse });
  return entries
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && manifestFile.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter(
      (path) =>
        !relative(dir, path)
          .split("/")
          .some((part) => part.startsWith(".")),
    )
    .sort();
}
