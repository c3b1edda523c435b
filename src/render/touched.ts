// Which apps a commit touches: those whose render inputs (app directory, kustomize bases and
// components, chart and value files) contain a changed path. A change to a shared base thus
// reaches every overlay built on it, which a plain path-prefix match would miss.
//
// This reads every app's kustomization and chart files, so for a large monorepo it is the slow
// step of a one-file commit. The checkout does not change while we look, so every file system
// answer is asked once (snapshotFs: shared bases are read once, not once per overlay), and a
// few apps are looked at at once so that the reads overlap in libuv's thread pool.
import type { AppConfig } from "../config/schema.ts";
import { detectSourceType } from "./detect.ts";
import { directFs, snapshotFs, type FsView } from "./fsview.ts";
import { renderInputs, touches } from "./inputs.ts";
import { confine } from "./paths.ts";

type AppSource = Pick<AppConfig, "name" | "path" | "source" | "destination">;

const PARALLEL = 16;

export async function touchedApps<T extends AppSource>(
  checkoutDir: string,
  apps: T[],
  changed: string[],
): Promise<T[]> {
  const fs = snapshotFs();
  const verdicts = new Array<boolean>(apps.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < apps.length; index = next++) {
      verdicts[index] = await isTouched(checkoutDir, apps[index]!, changed, fs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, apps.length) }, worker));
  return apps.filter((_, index) => verdicts[index]);
}

async function isTouched(
  checkoutDir: string,
  app: AppSource,
  changed: string[],
  fs: FsView,
): Promise<boolean> {
  const appDir = await confine(checkoutDir, app.path, "app path", checkoutDir, fs).catch(() => undefined);
  // An app whose directory is gone or unreadable is touched: rendering it reports why.
  if (appDir === undefined) return true;
  const inputs = await appInputs(checkoutDir, app, fs).catch(() => ["."]);
  return changed.some((path) => touches(inputs, path));
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
