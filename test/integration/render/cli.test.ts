import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/kube/types.ts";
import { repoRoot } from "../../../src/render/binaries.ts";
import { podinfoFixture } from "./helpers.ts";

const run = promisify(execFile);
const ferry = (...args: string[]) =>
  run(process.execPath, [join(repoRoot, "src/cli/main.ts"), ...args], {
    cwd: podinfoFixture,
    maxBuffer: 16 << 20,
  });

describe("ferry render", () => {
  it("prints the chart's objects as a YAML stream", async () => {
    const { stdout } = await ferry(
      "render",
      "charts/podinfo",
      "--values",
      "charts/podinfo/values-prod.yaml",
      "--namespace",
      "demo",
    );
    const objects = (yaml.loadAll(stdout) as KubeObject[]).filter(Boolean);
    expect(objects).toHaveLength(6);
    expect(objects.every((object) => object.metadata.namespace === "demo")).toBe(true);
    expect(objects[0]?.metadata.labels?.["ferry.dev/app"]).toBe("podinfo");
  });

  it("exits 1 with the reason when rendering fails", async () => {
    const failure = await ferry("render", "kustomize", "--type", "plain").catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr).toContain(
      "ferry: kustomization.yaml: Kustomization has no metadata.name",
    );
  });
});
