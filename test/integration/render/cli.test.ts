import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/kube/types.ts";
import { toolPath } from "../../../src/render/binaries.ts";
import { installRoot } from "../../../src/runtime/install.ts";
import { byHand, fixtureRepo } from "./helpers.ts";

const run = promisify(execFile);
const ferry = (...args: string[]) =>
  run(process.execPath, [join(installRoot, "src/cli/main.ts"), ...args], {
    cwd: fixtureRepo,
    maxBuffer: 16 << 20,
  });

describe("ferry render", () => {
  it("prints the chart's objects as a YAML stream", async () => {
    const { stdout } = await ferry(
      "render",
      "charts/web",
      "--values",
      "charts/web/values-prod.yaml",
      "--namespace",
      "demo",
    );
    const objects = (yaml.loadAll(stdout) as KubeObject[]).filter(Boolean);
    const reference = await byHand(toolPath("helm"), [
      "template",
      "web",
      join(fixtureRepo, "charts/web"),
      "-f",
      join(fixtureRepo, "charts/web/values-prod.yaml"),
      "--skip-tests",
    ]);
    expect(objects.map((object) => object.kind).sort()).toEqual(
      reference.map((object) => object.kind).sort(),
    );
    expect(objects.every((object) => object.metadata.namespace === "demo")).toBe(true);
    expect(objects[0]?.metadata.labels?.["ferry.dev/app"]).toBe("web");
  });

  it("exits 1 with the reason when rendering fails", async () => {
    const failure = await ferry("render", "kustomize", "--type", "plain").catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1 });
    // The path is relative to the enclosing git repository's root (here Ferry's own).
    expect((failure as { stderr: string }).stderr).toMatch(
      /^ferry: (test\/fixtures\/repos\/web\/kustomize\/)?kustomization\.yaml: Kustomization has no metadata\.name/m,
    );
  });

  it("says how to get helm when FERRY_HELM points nowhere, not `spawn helm ENOENT`", async () => {
    const failure = await run(
      process.execPath,
      [join(installRoot, "src/cli/main.ts"), "render", "charts/web"],
      {
        cwd: fixtureRepo,
        env: { ...process.env, FERRY_HELM: "/nonexistent/helm" },
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    const { stderr } = failure as { stderr: string };
    expect(stderr).toContain("ferry: helm not found: FERRY_HELM=/nonexistent/helm is not an executable file");
    expect(stderr).toContain("npm run setup");
    expect(stderr).not.toContain("ENOENT");
  });
});
