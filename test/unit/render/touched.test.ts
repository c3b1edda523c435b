// Touched apps are found from the real render inputs of real directories: the app path, the
// kustomize bases it reaches outside it, and helm value files.
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { touchedApps } from "../../../src/render/touched.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "ferry-touched-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function tree(dir: string, files: Record<string, string>): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

const config = parseConfig({
  forges: [{ name: "g", type: "github", webhookSecret: "s" }],
  clusters: [{ name: "c", kubeconfig: "/dev/null" }],
  apps: [
    { name: "web", forge: "g", repo: "a/b", path: "apps/web", destination: { cluster: "c", namespace: "n" } },
    {
      name: "website",
      forge: "g",
      repo: "a/b",
      path: "apps/website",
      destination: { cluster: "c", namespace: "n" },
    },
    {
      name: "chart",
      forge: "g",
      repo: "a/b",
      path: "charts/app",
      source: { type: "helm", valueFiles: ["../../values/prod.yaml"] },
      destination: { cluster: "c", namespace: "n" },
    },
    {
      name: "gone",
      forge: "g",
      repo: "a/b",
      path: "apps/gone",
      destination: { cluster: "c", namespace: "n" },
    },
  ],
});

async function checkouts() {
  const files = {
    "apps/web/kustomization.yaml": "resources:\n  - ../../bases/web\n",
    "bases/web/kustomization.yaml": "resources:\n  - deploy.yaml\n",
    "bases/web/deploy.yaml": "kind: ConfigMap\n",
    "apps/website/cm.yaml": "kind: ConfigMap\n",
    "charts/app/Chart.yaml": "name: app\nversion: 1.0.0\napiVersion: v2\n",
    "values/prod.yaml": "x: 1\n",
  };
  const head = await tree(join(root, "head"), files);
  const base = await tree(join(root, "base"), { ...files, "apps/gone/cm.yaml": "kind: ConfigMap\n" });
  return { head, base };
}

const names = async (changed: string[]) =>
  (await touchedApps(config.apps, changed, await checkouts())).map((app) => app.name);

describe("touched apps", () => {
  it("follows kustomize bases outside the app path", async () => {
    expect(await names(["bases/web/deploy.yaml"])).toEqual(["web"]);
  });

  it("matches whole path segments only", async () => {
    expect(await names(["apps/website/cm.yaml"])).toEqual(["website"]);
    expect(await names(["apps/web/kustomization.yaml"])).toEqual(["web"]);
  });

  it("counts helm value files outside the chart", async () => {
    expect(await names(["values/prod.yaml"])).toEqual(["chart"]);
    expect(await names(["values/dev.yaml"])).toEqual([]);
  });

  it("sees an app deleted by the change through its base and its path", async () => {
    expect(await names(["apps/gone/cm.yaml"])).toEqual(["gone"]);
  });

  it("ignores paths no app reads", async () => {
    expect(await names(["README.md", "docs/x.md"])).toEqual([]);
  });
});
