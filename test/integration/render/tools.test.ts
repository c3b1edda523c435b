import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { toolPath } from "../../../src/render/binaries.ts";

const run = promisify(execFile);

describe("unpacked tools", () => {
  it("runs helm v4 from .tools/bin", async () => {
    expect(toolPath("helm")).toMatch(/\.tools\/bin\/helm$/);
    const { stdout } = await run(toolPath("helm"), ["version", "--short"]);
    expect(stdout).toMatch(/^v4\./);
  });

  it("runs kubectl 1.35 with kustomize", async () => {
    const { stdout } = await run(toolPath("kubectl"), ["version", "--client", "-o", "json"]);
    const version = JSON.parse(stdout) as { clientVersion: { minor: string }; kustomizeVersion: string };
    expect(version.clientVersion.minor).toBe("35");
    expect(version.kustomizeVersion).toMatch(/^v5\./);
  });

  it("honours FERRY_HELM", () => {
    expect(toolPath("helm", { FERRY_HELM: "/opt/helm" })).toBe("/opt/helm");
  });
});
