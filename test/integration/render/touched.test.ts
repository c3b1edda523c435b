// touchedApps answers from a memoized, concurrent look at the checkout. It must pick exactly
// the apps that a plain sequential computation of every app's render inputs picks, including
// around symlinks, odd detection cases and broken apps.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { detectSourceType, renderInputs, touches, touchedApps } from "../../../src/render/index.ts";
import { confine } from "../../../src/render/paths.ts";
import { app } from "./helpers.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "ferry-render-touched-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const files: Record<string, string> = {
  "bases/web/kustomization.yaml": "resources: [deployment.yaml]\n",
  "bases/web/deployment.yaml": "kind: Deployment\n",
  "bases/other/kustomization.yaml": "resources: [cm.yaml]\n",
  "bases/other/cm.yaml": "kind: ConfigMap\n",
  "apps/overlay-a/kustomization.yaml": "resources: [../../bases/web]\n",
  "apps/overlay-b/Kustomization": "resources: [../../bases/web, ../../bases/other]\n",
  "apps/overlay-c/kustomization.yml": "resources: [extra.yaml]\nnamePrefix: c-\n",
  "apps/overlay-c/extra.yaml": "kind: ConfigMap\n",
  "apps/broken/kustomization.yaml": "resources: [../../bases/gone]\n",
  "apps/plain/cm.yaml": "kind: ConfigMap\n",
  "apps/plain-dir-named-chart/Chart.yaml/cm.yaml": "kind: ConfigMap\n",
  "apps/chart/Chart.yaml": "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
  "apps/chart/templates/cm.yaml": "kind: ConfigMap\n",
  "charts/shared/Chart.yaml": "apiVersion: v2\nname: shared\nversion: 0.1.0\n",
  "apps/linked-chart/templates/cm.yaml": "kind: ConfigMap\n",
  "values/prod.yaml": "replicas: 3\n",
  "README.md": "hi\n",
};

const apps = [
  app("apps/overlay-a", {}, "overlay-a"),
  app("apps/overlay-b", {}, "overlay-b"),
  app("apps/overlay-c", {}, "overlay-c"),
  app("apps/broken", {}, "broken"),
  app("apps/plain", {}, "plain"),
  app("apps/plain-dir-named-chart", {}, "plain-dir-named-chart"),
  app("apps/chart", { valueFiles: ["../../values/prod.yaml"] }, "chart"),
  app("apps/linked-chart", {}, "linked-chart"),
  app("apps/alias", {}, "alias"),
  app("apps/missing", {}, "missing"),
  app("apps/plain", { type: "kustomize" }, "forced-kustomize"),
];

/** The straightforward computation: every app on its own, straight from the file system. */
async function reference(changed: string[]): Promise<string[]> {
  const picked: string[] = [];
  for (const each of apps) {
    // The app's own path always counts; its render inputs when they can be read.
    const inputs = [each.path];
    const appDir = await confine(root, each.path, "app path").catch(() => undefined);
    if (appDir !== undefined) {
      const type = await detectSourceType(appDir, each.source).catch(() => undefined);
      if (type !== undefined)
        inputs.push(
          ...(await renderInputs(type, {
            rootDir: root,
            appPath: each.path,
            source: each.source,
            releaseName: each.name,
            namespace: each.destination.namespace,
          }).catch(() => [])),
        );
    }
    if (changed.some((path) => touches(inputs, path))) picked.push(each.name);
  }
  return picked;
}

describe("touchedApps", () => {
  it("picks the same apps as a sequential look at every app's render inputs", async () => {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
    await symlink("../../charts/shared/Chart.yaml", join(root, "apps/linked-chart/Chart.yaml"));
    await symlink("overlay-c", join(root, "apps/alias"));
    const changes = [
      ...Object.keys(files).map((path) => [path]),
      ["apps/linked-chart/Chart.yaml"],
      ["apps/alias"],
      ["apps/gone/x.yaml"],
      ["apps/missing/x.yaml"],
      ["bases/web/deployment.yaml", "apps/plain/cm.yaml"],
      [],
    ];
    const seen = new Set<string>();
    for (const changed of changes) {
      const expected = await reference(changed);
      const got = await touchedApps(apps, changed, { head: root });
      expect({ changed, touched: got.map((each) => each.name) }).toEqual({ changed, touched: expected });
      for (const name of expected) seen.add(name);
    }
    // the scenarios reach every app; the shared base reaches both overlays on it, and apps whose
    // inputs cannot be read (broken, missing, a plain directory forced to kustomize) are touched
    // only through their own path, never by an unrelated change
    expect(seen.size).toBe(apps.length);
    const viaBase = await touchedApps(apps, ["bases/web/deployment.yaml"], { head: root });
    expect(viaBase.map((each) => each.name)).toEqual(["overlay-a", "overlay-b"]);
    const viaReadme = await touchedApps(apps, ["README.md"], { head: root });
    expect(viaReadme.map((each) => each.name)).toEqual([]);
  });
});
