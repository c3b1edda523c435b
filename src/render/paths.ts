// Everything a renderer reads must come from the checkout. A path is refused when it is
// absolute, climbs out with "..", or is (or goes through) a symlink whose target lies outside.
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { AppError } from "../errors.ts";
import { directFs, type FsView } from "./fsview.ts";

export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/**
 * Resolves `path` (relative to `from`, itself inside `root`) and returns its real path.
 * `what` names the path in errors ("value file", "kustomize resource").
 */
export async function confine(
  root: string,
  path: string,
  what: string,
  from: string = root,
  fs: FsView = directFs,
): Promise<string> {
  if (isAbsolute(path)) throw escape(what, path, "absolute paths are not allowed");
  const realRoot = await fs.realpath(root);
  const lexical = resolve(from, path);
  if (!isInside(resolve(root), lexical) && !isInside(realRoot, lexical)) {
    throw escape(what, path, "it points outside the repository");
  }
  let real: string;
  try {
    real = await fs.realpath(lexical);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (await isDanglingLink(lexical, fs)) throw escape(what, path, "it is a symlink to a missing target");
    throw new AppError("RENDER_FAILED", `${what} ${path} does not exist in the repository`);
  }
  if (!isInside(realRoot, real))
    throw escape(what, path, "it is a symlink to a place outside the repository");
  return real;
}

/** Every symlink under `dir` (not following them), checked; returns their real targets. */
export async function checkSymlinks(
  root: string,
  dir: string,
  what: string,
  fs: FsView = directFs,
): Promise<string[]> {
  const realRoot = await fs.realpath(root);
  const targets: string[] = [];
  const entries = await fs.readdirDeep(dir);
  for (const entry of entries) {
    if (!entry.isSymbolicLink()) continue;
    const path = join(entry.parentPath, entry.name);
    const shown = relative(root, path);
    const target = await fs.realpath(path).catch(() => undefined);
    if (target === undefined) throw escape(what, shown, "it is a symlink to a missing target");
    if (!isInside(realRoot, target))
      throw escape(what, shown, "it is a symlink to a place outside the repository");
    targets.push(relative(realRoot, target));
  }
  return targets;
}

async function isDanglingLink(path: string, fs: FsView): Promise<boolean> {
  return fs
    .lstat(path)
    .then((stats) => stats.isSymbolicLink())
    .catch(() => false);
}

function escape(what: string, path: string, why: string): AppError {
  return new AppError("PATH_ESCAPE", `${what} ${path} is refused: ${why}`, { details: { path } });
}
