// Which apps a change touches: Ferry's one rule for "does this commit affect this app", used by
// the preview (which apps to diff), the deploy (whether a new head is deployed or only recorded
// as seen: src/deploy/affected.ts) and, through the deploy, by polling.
//
// An app is touched when a changed path lies under its path or under one of its render inputs
// (renderInputs: the kustomize bases and components it reaches outside its directory, the helm
// value files, the targets of symlinks) at either commit. The earlier commit matters when a
// change removes a base or a value file. A change to a shared base thus reaches every overlay
// built on it, which a plain path-prefix match would miss. When an app's inputs cannot be read
// (its directory is gone, a kustomization is broken) its path decides, and a broken app that is
// touched then reports its render error.
//
// This reads every app's kustomization and chart files, so for a large monorepo it is the slow
// step of a one-file commit. A checkout does not change while we look, so every file system
// answer is asked once (snapshotFs: shared bases are read once, not once per overlay), and a
// few apps are looked at at once so that the reads overlap in libuv's thread pool.
import type { AppConfig } from "../config/schema.ts";
import { detectSourceType } from "./detect.ts";
import { directFs, snapshotFs, type FsView } from "./fsview.ts";
import { renderInputs, touches } from "./inputs.ts";
import { confine } from "./paths.ts";

type AppSource = Pick<AppConfig, "name" | "path" | "source" | "destination">;

/** The two sides of a change, checked out; `base` may be left out when there is no earlier side. */
export interface ChangeCheckouts {
  head: string;
  base?: string;
}

const PARALLEL = 16;

/** The app directory without "./" and trailing "/"; "." means the whole repository. */
function pathOf(app: Pick<AppSource, "path">): string {
  const trimmed = app.path.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  return trimmed === "" ? "." : trimmed;
}

/**
 * The part of the rule that needs no checkout: a change under the app's own path touches it.
 * When this says false, only touchedApps (which reads the render inputs) can say no.
 */
export function touchesAppPath(app: Pick<AppSource, "path">, changed: readonly string[]): boolean {
  return changed.some((path) => touches([pathOf(app)], path));
}

export async function touchedApps<T extends AppSource>(
  apps: readonly T[],
  changed: readonly string[],
  checkouts: ChangeCheckouts,
): Promise<T[]> {
  if (changed.length === 0) return [];
  const dirs = checkouts.base === undefined ? [checkouts.head] : [checkouts.head, checkouts.base];
  const views = dirs.map((dir) => ({ dir, fs: snapshotFs() }));
  const verdicts = new Array<boolean>(apps.length);
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < apps.length; index = next++) {
      const app = apps[index]!;
      const inputs = [pathOf(app)];
      // Cheap first: a change under the app's own path needs no file read.
      if (!touchesAppPath(app, changed))
        for (const { dir, fs } of views) inputs.push(...(await appInputs(dir, app, fs).catch(() => [])));
      verdicts[index] = changed.some((path) => touches(inputs, path));
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, apps.length) }, lane));
  return apps.filter((_, index) => verdicts[index]);
}

/** An app's render inputs in a checkout; throws when its directory or its sources cannot be read. */
export async function appInputs(
  checkoutDir: string,
  app: AppSource,
  fs: FsView = directFs,
): Promise<string[]> {
  const appDir = await confine(checkoutDir, app.path, "app path", checkoutDir, fs);
  const type = await detectSourceType(appDir, app.source, fs);
  return renderInputs(
    type,
    {
      rootDir: checkoutDir,
      appPath: app.path,
      source: app.source,
      releaseName: app.source.releaseName ?? app.name,
      namespace: app.destination.namespace,
    },
    fs,
  );
}
