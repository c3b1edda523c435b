// Every way Ferry is started runs it with the same V8 flags (src/runtime/node-flags.ts): the
// bin's shebang, the npm scripts and the image's ENTRYPOINT (checked in ship/dockerfile.test.ts).
// The bin is src/cli/main.ts compiled (dist/, `npm run build`), which keeps the shebang; the
// compiled bin itself is run by its shebang in test/e2e/dist.test.ts.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { installRoot } from "../../../src/runtime/install.ts";
import { NODE_FLAGS } from "../../../src/runtime/node-flags.ts";
import { compiledPath } from "../../../scripts/build.ts";

const pkg = JSON.parse(readFileSync(join(installRoot, "package.json"), "utf8")) as {
  version: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
const main = "src/cli/main.ts";

describe("Node flags of a Ferry process", () => {
  it("are on the shebang of the bin's source, which starts the CLI when the file is run directly", async () => {
    expect(pkg.bin.ferry).toBe(compiledPath(main));
    const bin = join(installRoot, main);
    const shebang = readFileSync(bin, "utf8").split("\n")[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(" ")}`);
    // As the kernel runs it (an installed bin is executable; the repository's file need not be):
    // the interpreter, the rest of the line as one argument, then the file.
    const [interpreter = "", argument = ""] = (shebang ?? "").slice(2).split(/ (.*)/);
    const { stdout } = await promisify(execFile)(interpreter, [argument, bin, "--version"]);
    expect(stdout.trim()).toBe(pkg.version);
  });

  it("are on the npm scripts that start Ferry: `start` runs the bin, `ferry` the sources", () => {
    expect(pkg.scripts.start).toContain(`node ${NODE_FLAGS.join(" ")} ${pkg.bin.ferry} up`);
    expect(pkg.scripts.ferry).toContain(`node ${NODE_FLAGS.join(" ")} ${main}`);
  });

  it("are flags this Node accepts", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [...NODE_FLAGS, "-p", "1 + 1"]);
    expect(stdout.trim()).toBe("2");
  });
});
