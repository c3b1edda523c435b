// Where Ferry is installed, for what it ships beside its code: package.json (the version),
// .tools/bin (helm, kubectl), examples/ and scripts/. Ferry runs from two places: src/ as
// TypeScript (tests and `npm run ferry`: Node strips the types as it loads each file) and
// dist/src/ as the JavaScript `npm run build` compiles (the `ferry` bin, `npm start`, the image:
// no type stripping saves each process ≈ 30 MiB of RSS and ≈ 0.7 s of start-up). So the root
// is found by walking up to Ferry's package.json, never by counting "..".
import { existsSync, readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { AppError } from "../errors.ts";

interface FerryPackage {
  name: string;
  version: string;
}

function findInstall(from: string): { root: string; pkg: FerryPackage } {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as FerryPackage;
      if (pkg.name === "ferry") return { root: dir, pkg };
    }
    if (dirname(dir) === dir) {
      throw new AppError("INTERNAL", `Ferry's package.json is not in ${from} or above it: a broken install`, {
        retryable: false,
      });
    }
  }
}

const install = findInstall(dirname(fileURLToPath(import.meta.url)));

/** The directory holding Ferry's package.json: the repository checkout, or /app in the image. */
export const installRoot = install.root;

/** Ferry's version, from its package.json. */
export const ferryVersion = install.pkg.version;

/**
 * A module beside the calling one, in the caller's own form: `diff-worker.ts` next to a .ts
 * caller, `diff-worker.js` next to a compiled one. For files Node loads by URL at run time
 * (worker threads), which the compiler's import rewriting does not see.
 */
export function siblingModule(callerUrl: string, name: string): URL {
  return new URL(`./${name}${extname(fileURLToPath(callerUrl))}`, callerUrl);
}
