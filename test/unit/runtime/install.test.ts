// Where Ferry is installed, from src/ (these tests) and, by the same walk, from dist/
// (test/e2e/dist.test.ts runs the compiled code).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ferryVersion, installRoot, siblingModule } from "../../../src/runtime/install.ts";

describe("Ferry's install root", () => {
  it("is the directory of Ferry's package.json, and the version is its", () => {
    const pkg = JSON.parse(readFileSync(join(installRoot, "package.json"), "utf8")) as {
      name: string;
      version: string;
    };
    expect(pkg.name).toBe("ferry");
    expect(ferryVersion).toBe(pkg.version);
    expect(readFileSync(join(installRoot, "src", "runtime", "install.ts"), "utf8")).toContain("installRoot");
  });
});

describe("siblingModule", () => {
  it("names the module beside the caller in the caller's own form", () => {
    expect(siblingModule("file:///app/src/diff/diff-pool.ts", "diff-worker").href).toBe(
      "file:///app/src/diff/diff-worker.ts",
    );
    expect(siblingModule("file:///app/dist/src/diff/diff-pool.js", "diff-worker").href).toBe(
      "file:///app/dist/src/diff/diff-worker.js",
    );
  });
});
