/** The app directory without "./" and trailing "/"; "" means the whole repository. */
function normalizeAppPath(path: string): string {
  const trimmed = path.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  return trimmed === "." ? "" : trimmed;
}

/** Prefix match on whole path segments: "apps/web" is touched by "apps/web/x", not "apps/website". */
export function pathTouched(appPath: string, changedPaths: readonly string[]): boolean {
  const dir = normalizeAppPath(appPath);
  if (dir === "") return true;
  return changedPaths.some((path) => path === dir || path.startsWith(`${dir}/`));
}
