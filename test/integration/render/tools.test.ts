import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
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

  it("honours FERRY_HELM and FERRY_KUBECTL, as a path or a name on PATH", () => {
    const helm = toolPath("helm");
    expect(toolPath("helm", { FERRY_HELM: helm })).toBe(helm);
    expect(toolPath("kubectl", { FERRY_KUBECTL: "kubectl", PATH: dirname(helm) })).toBe(
      join(dirname(helm), "kubectl"),
    );
  });

  it("says what to run or set when a tool is missing", () => {
    const missing = (tool: "helm" | "kubectl", env: NodeJS.ProcessEnv) => {
      try {
        toolPath(tool, env, "/nonexistent/tools");
      } catch (error) {
        return error;
      }
      return undefined;
    };
    expect(missing("helm", { PATH: "/nonexistent/bin" })).toMatchObject({
      code: "TOOL_MISSING",
      message:
        "helm not found: run `npm run setup` (it unpacks helm into /nonexistent/tools), or set FERRY_HELM to its path",
    });
    const kubectl = missing("kubectl", { PATH: "/nonexistent/bin", FERRY_KUBECTL: "/opt/kubectl" });
    expect(kubectl).toMatchObject({ code: "TOOL_MISSING" });
    expect((kubectl as Error).message).toContain(
      "kubectl not found: FERRY_KUBECTL=/opt/kubectl is not an executable file",
    );
    // Found on PATH when not unpacked: the tool dir holds it, but is not the tools dir.
    expect(toolPath("helm", { PATH: dirname(toolPath("helm")) }, "/nonexistent/tools")).toBe(
      toolPath("helm"),
    );
  });
});
