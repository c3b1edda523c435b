// Which of the job's apps a change touches. An app is touched when a changed path lies under
// one of its render inputs (appInputs: the app directory, the kustomize bases and components
// it reaches outside that directory, the helm value files) at the head or at the base — the
// base matters when a change removes a base or a value file. When the inputs cannot be read
// (the app directory is gone, a kustomization is broken) the app's path prefix decides, and a
// broken app that is touched then reports its render error.
import type { AppConfig } from "../config/schema.ts";
import { appInputs, snapshotFs, touches } from "../render/index.ts";
import { mapLimit } from "./live.ts";

/** Apps looked at at once, so that their file reads overlap in libuv's thread pool. */
const PARALLEL = 16;

function prefixOf(app: AppConfig): string {
  const trimmed = app.path.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  return trimmed === "" ? "." : trimmed;
}

export async function touchedApps(
  apps: readonly AppConfig[],
  changed: readonly string[],
  checkouts: { head: string; base: string },
): Promise<AppConfig[]> {
  // Neither checkout changes while we look: each is read once for all apps (shared bases too).
  const views = [checkouts.head, checkouts.base].map((dir) => ({ dir, fs: snapshotFs() }));
  const verdicts = await mapLimit(apps, PARALLEL, async (app) => {
    const inputs = [prefixOf(app)];
    for (const { dir, fs } of views) inputs.push(...(await appInputs(dir, app, fs).catch(() => [])));
    return changed.some((path) => touches(inputs, path));
  });
  return apps.filter((_, index) => verdicts[index]);
}
