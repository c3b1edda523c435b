// Which apps a commit touches: those whose render inputs (app directory, kustomize bases and
// components, chart and value files) contain a changed path. A change to a shared base thus
// reaches every overlay built on it, which a plain path-prefix match would miss.
import type { AppConfig } from "../config/schema.ts";
import { detectSourceType } from "./detect.ts";
import { renderInputs, touches } from "./inputs.ts";
import { confine } from "./paths.ts";

type AppSource = Pick<AppConfig, "name" | "path" | "source" | "destination">;

export async function touchedApps<T extends AppSource>(
  checkoutDir: string,
  apps: T[],
  changed: string[],
): Promise<T[]> {
  const touched: T[] = [];
  for (const app of apps) {
    const appDir = await confine(checkoutDir, app.path, "app path").catch(() => undefined);
    // An app whose directory is gone or unreadable is touched: rendering it reports why.
    if (appDir === undefined) {
      touched.push(app);
      continue;
    }
    const type = await detectSourceType(appDir, app.source);
    const inputs = await renderInputs(type, {
      rootDir: checkoutDir,
      appPath: app.path,
      source: app.source,
      releaseName: app.source.releaseName ?? app.name,
      namespace: app.destination.namespace,
    }).catch(() => ["."]);
    if (changed.some((path) => touches(inputs, path))) touched.push(app);
  }
  return touched;
}
