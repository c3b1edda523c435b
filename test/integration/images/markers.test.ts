// Marked lines in an app's render inputs (plain YAML, a kustomize overlay and the base it reaches
// outside its directory, a Helm chart and a value file elsewhere) are found and rewritten, and
// no other byte of any file changes.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { applyImage, findMarkers, replaceMarkedValue } from "../../../src/images/markers.ts";
import { webImage } from "../../support/images.ts";
import { app } from "../render/helpers.ts";

const web = webImage({ apps: ["plain"] });
const DIGEST = `sha256:${"ab".repeat(32)}`;

const files: Record<string, string> = {
  "apps/plain/deployment.yaml": [
    "# The web front end.",
    "kind: Deployment",
    "spec:",
    "  template:",
    "    spec:",
    "      containers:",
    "        - name: web",
    "          image: registry.example.com:5000/acme/web:1.1.0   # ferry:image web",
    "        - name: sidecar",
    '          image: "registry.example.com:5000/acme/proxy:3.0" # keep as it is',
    "",
  ].join("\n"),
  "apps/plain/job.yaml": "kind: Job\r\nspec:\r\n  image: 'acme/web:0.9.0' # ferry:image web\r\n  x: 1\r\n",
  "bases/web/kustomization.yaml":
    "resources: [deployment.yaml]\nimages:\n  - name: acme/web\n    newTag: 1.0.0 # ferry:image web:tag\n",
  "bases/web/deployment.yaml": "kind: Deployment\n",
  "apps/overlay/kustomization.yaml": "resources: [../../bases/web]\n",
  "apps/chart/Chart.yaml": "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
  "apps/chart/values.yaml": "image:\n  repository: acme/web\n  tag: 1.0.0 # ferry:image web:tag\n",
  "values/prod.yaml": "image:\n  tag: 1.0.1@sha256:" + "cd".repeat(32) + " # ferry:image web:tag\n",
  "apps/other/cm.yaml": "image: acme/web:1.0.0 # ferry:image web\n",
};

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "ferry-images-markers-"));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const read = (path: string) => readFile(join(root, path), "utf8");

/** The lines of `path` that differ from the fixture, as [line number, new text]. */
async function changedLines(path: string): Promise<[number, string][]> {
  const before = files[path]!.split("\n");
  const after = (await read(path)).split("\n");
  expect(after.length).toBe(before.length);
  return after.flatMap((line, i) => (line === before[i] ? [] : [[i + 1, line] as [number, string]]));
}

describe("image markers", () => {
  it("rewrites only the marked values of a plain app, keeping comments, quotes and CRLF", async () => {
    const { changes, problems } = await applyImage(root, app("apps/plain", {}, "plain"), web, "1.2.0");
    expect(problems).toEqual([]);
    expect(changes).toEqual([
      {
        file: "apps/plain/deployment.yaml",
        line: 8,
        before: "registry.example.com:5000/acme/web:1.1.0",
        after: "registry.example.com:5000/acme/web:1.2.0",
      },
      { file: "apps/plain/job.yaml", line: 3, before: "acme/web:0.9.0", after: "acme/web:1.2.0" },
    ]);
    expect(await changedLines("apps/plain/deployment.yaml")).toEqual([
      [8, "          image: registry.example.com:5000/acme/web:1.2.0   # ferry:image web"],
    ]);
    expect(await changedLines("apps/plain/job.yaml")).toEqual([
      [3, "  image: 'acme/web:1.2.0' # ferry:image web\r"],
    ]);
    expect(await read("apps/other/cm.yaml")).toBe(files["apps/other/cm.yaml"]);
    // Applying the same tag again changes nothing.
    expect((await applyImage(root, app("apps/plain", {}, "plain"), web, "1.2.0")).changes).toEqual([]);
  });

  it("reaches a kustomize base outside the overlay and pins the digest when asked", async () => {
    const pinned = { ...web, pinDigest: true };
    const { changes } = await applyImage(root, app("apps/overlay", {}, "overlay"), pinned, "1.2.0", DIGEST);
    expect(changes.map((c) => [c.file, c.after])).toEqual([
      ["bases/web/kustomization.yaml", `1.2.0@${DIGEST}`],
    ]);
    expect(await changedLines("bases/web/kustomization.yaml")).toEqual([
      [4, `    newTag: 1.2.0@${DIGEST} # ferry:image web:tag`],
    ]);
  });

  it("edits a chart's values and its value files elsewhere, replacing an old pinned digest", async () => {
    const chart = app("apps/chart", { valueFiles: ["../../values/prod.yaml"] }, "chart");
    const { changes } = await applyImage(root, chart, web, "1.3.0", DIGEST);
    expect(changes.map((c) => [c.file, c.line, c.after])).toEqual([
      ["apps/chart/values.yaml", 3, "1.3.0"],
      ["values/prod.yaml", 2, "1.3.0"],
    ]);
    expect(await changedLines("values/prod.yaml")).toEqual([[2, "  tag: 1.3.0 # ferry:image web:tag"]]);
  });

  it("refuses a hostile tag or digest and a marker on another repository, changing no file", async () => {
    for (const tag of ["1.2.0 # x", "1.2.0\nevil: true", "$(reboot)", "a'b"]) {
      const { changes, problems } = await applyImage(root, app("apps/plain", {}, "plain"), web, tag);
      expect(changes).toEqual([]);
      expect(problems.map((p) => p.reason)).toEqual([
        expect.stringMatching(/not an OCI tag/),
        expect.stringMatching(/not an OCI tag/),
      ]);
    }
    const bad = await applyImage(
      root,
      app("apps/plain", {}, "plain"),
      { ...web, pinDigest: true },
      "1.2.0",
      "sha256:zz",
    );
    expect(bad.changes).toEqual([]);
    expect(bad.problems[0]?.reason).toMatch(/not sha256/);
    const other = await applyImage(
      root,
      app("apps/plain", {}, "plain"),
      { ...web, repository: "acme/api" },
      "1.2.0",
    );
    expect(other.changes).toEqual([]);
    expect(other.problems.map((p) => p.reason)).toEqual([
      "the line names registry.example.com:5000/acme/web, not the repository acme/api of image web",
      "the line names acme/web, not the repository acme/api of image web",
    ]);
    for (const path of Object.keys(files)) expect(await read(path), path).toBe(files[path]);
  });

  it("reports a marker it cannot edit instead of guessing", async () => {
    await writeFile(join(root, "apps/plain/odd.yaml"), "args: [--image, acme/web:1.0.0] # ferry:image web\n");
    const { markers, problems } = await findMarkers(root, app("apps/plain", {}, "plain"));
    expect(markers.map((m) => [m.file, m.line, m.form, m.value])).toEqual([
      ["apps/plain/deployment.yaml", 8, "reference", "registry.example.com:5000/acme/web:1.1.0"],
      ["apps/plain/job.yaml", 3, "reference", "acme/web:0.9.0"],
    ]);
    expect(problems.map((p) => [p.file, p.line])).toEqual([["apps/plain/odd.yaml", 1]]);
    expect(problems[0]?.reason).toMatch(/one token/);
    expect(() => replaceMarkedValue("a: b\n", 1, "c")).toThrow(/no image marker/);
  });
});
