// Which of the job's apps a change touches. An app is touched when a changed path lies under
// one of its render inputs (renderInputs: the app directory, the kustomize bases and
// components it reaches outside that directory, the helm value files) at the head or at the
// base — the base matters when a change removes a base or a value file. When the inputs cannot
// be read (the app directory is gone, a kustomization is broken) the app's path prefix
// decides, and a broken app that is touched then reports its render error.
import type { AppConfig } from "../config/schema.ts";
import { detectSourceType, renderInputs, touches } from "../render/index.ts";
import { confine } from "../render/paths.ts";

export async function inputsOf(checkoutDir: string, app: AppConfig): Promise<string[] | undefined> {
  try {
    const appDir = await confine(checkoutDir, app.path, "app path");
    const type = await detectSourceType(appDir, app.source);
    return await renderInputs(type, {
      rootDir: checkoutDir,
      appPath: app.path,
      source: app.source,
      releaseName: app.source.releaseName ?? app.name,
      namespace: app.destination.namespace,
    });
  } catch {
    return undefined;
  }
}

function prefixOf(app: AppConfig): string {
  const trimmed = app.path.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  return trimmed === "" ? "." : trimmed;
}

export async function touchedApps(
  apps: readonly AppConfig[],
  changed: readonly string[],
  checkouts: { head: string; base: string },
): Promise<AppConfig[]> {
  const touched: AppConfig[] = [];
  for (const app of apps) {
    const inputs = [
      prefixOf(app),
      ...((await inputsOf(checkouts.head, app)) ?? []),
      ...((await inputsOf(checkouts.base, app)) ?? []),
    ];
    if (changed.some((path) => touches(inputs, path))) touched.push(app);
  }
  return touched;
}
