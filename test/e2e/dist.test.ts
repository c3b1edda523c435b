// The compiled Ferry that production runs (the `ferry` bin, `npm start`, the image's ENTRYPOINT,
// the fleet bench): `npm run build`'s dist/, run by plain Node. The other tests run the
// TypeScript sources, so without this file a dist/ that cannot start would ship. Every process
// here runs with --no-experimental-strip-types, so any .ts that dist/ still loads (a worker
// thread's file, a dynamic import) fails the test rather than passing by type stripping.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import * as yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { compiledPath } from "../../scripts/build.ts";
import type { KubeObject } from "../../src/kube/types.ts";
import { installRoot } from "../../src/runtime/install.ts";
import { NODE_FLAGS } from "../../src/runtime/node-flags.ts";
import { freePort } from "../support/ports.ts";
import { startProcess, waitFor } from "../support/process.ts";

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(installRoot, "package.json"), "utf8")) as {
  version: string;
  bin: { ferry: string };
};
const bin = join(installRoot, pkg.bin.ferry);
const compiledOnly = [...NODE_FLAGS, "--no-experimental-strip-types"];
/** PATH without the repository's node_modules/.bin and .tools/bin: only what the system has. */
const systemPath = "/usr/local/bin:/usr/bin:/bin";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe("the compiled Ferry (dist/)", () => {
  beforeAll(async () => {
    // `npm run build`, as `npm start`, the image and the fleet bench run it.
    await run(process.execPath, [join(installRoot, "scripts", "build.ts")], { cwd: installRoot });
  }, 600_000);

  it("is the package's bin, and the bin runs by its shebang", async () => {
    expect(pkg.bin.ferry).toBe(compiledPath("src/cli/main.ts"));
    const shebang = readFileSync(bin, "utf8").split("\n")[0] ?? "";
    expect(shebang).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(" ")}`);
    // As the kernel runs it: the interpreter, the rest of the line as one argument, the file.
    const [interpreter = "", argument = ""] = shebang.slice(2).split(/ (.*)/);
    const { stdout } = await run(interpreter, [argument, bin, "--version"]);
    expect(stdout.trim()).toBe(pkg.version);
  });

  it(
    "`ferry up --config` answers /healthz and serves the UI's static files",
    { timeout: 120_000 },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "ferry-dist-up-"));
      dirs.push(dir);
      const port = await freePort();
      await writeFile(
        join(dir, "ferry.yaml"),
        yaml.dump({
          redis: { url: inject("redisUrl"), prefix: `dist-up-${port}` },
          server: { port, host: "127.0.0.1" },
          workDir: join(dir, "work"),
        }),
      );
      const ferry = startProcess(
        "ferry up (dist)",
        process.execPath,
        [...compiledOnly, bin, "up", "--config", "ferry.yaml", "--log-format", "json"],
        { cwd: dir, env: { ...process.env, FERRY_LOG_LEVEL: "warn" } },
      );
      try {
        const url = `http://127.0.0.1:${port}`;
        await waitFor(
          "the compiled receiver to answer /healthz",
          async () => {
            if (ferry.child.exitCode !== null) throw new Error(`exited with ${ferry.child.exitCode}`);
            return (await fetch(`${url}/healthz`)).status === 200;
          },
          { timeoutMs: 60_000, intervalMs: 200, describe: ferry.tail },
        );
        // Copied beside the compiled routes by the build (they are not TypeScript).
        for (const file of ["ui.css", "ui.js", "favicon.svg"]) {
          const response = await fetch(`${url}/ui/static/${file}`);
          expect(response.status, file).toBe(200);
          expect(await response.text(), file).toBe(
            readFileSync(join(installRoot, "src/ui/static", file), "utf8"),
          );
        }
        const exited = new Promise<number | null>((resolve) => ferry.child.once("exit", resolve));
        ferry.child.kill("SIGINT");
        expect(await exited, ferry.tail()).toBe(0);
      } finally {
        await ferry.stop();
      }
    },
  );

  it("renders with the helm that set-up unpacked under the install root", async () => {
    // No FERRY_HELM and no helm on PATH: found only if dist/ locates Ferry's root.
    const chart = join(installRoot, "test/fixtures/repos/web");
    const { stdout } = await run(
      process.execPath,
      [...compiledOnly, bin, "render", "charts/web", "--namespace", "demo"],
      { cwd: chart, env: { PATH: systemPath, HOME: tmpdir() }, maxBuffer: 16 << 20 },
    );
    const objects = (yaml.loadAll(stdout) as KubeObject[]).filter(Boolean);
    expect(objects.length).toBeGreaterThan(0);
    expect(objects.every((object) => object.metadata.namespace === "demo")).toBe(true);
  });

  it("diffs large texts on the compiled worker thread", async () => {
    // Over INLINE_DIFF_LINES, so diff-pool.js hands it to its piscina worker file.
    const before = Array.from({ length: 1500 }, (_, i) => `line ${i}`).join("\n") + "\n";
    const after = before.replace("line 700\n", "line seven hundred\n");
    const pool = pathToFileURL(join(installRoot, compiledPath("src/diff/diff-pool.ts"))).href;
    const script = [
      `import { diffTexts, closeDiffPool } from ${JSON.stringify(pool)};`,
      `const [before, after] = JSON.parse(process.argv[1]);`,
      `console.log(JSON.stringify(await diffTexts(before, after)));`,
      `await closeDiffPool();`,
    ].join("\n");
    const { stdout } = await run(process.execPath, [
      ...compiledOnly,
      "--input-type=module",
      "-e",
      script,
      JSON.stringify([before, after]),
    ]);
    const diff = JSON.parse(stdout) as { text: string; added: number; removed: number };
    expect(diff).toMatchObject({ added: 1, removed: 1 });
    expect(diff.text).toContain("-line 700\n+line seven hundred");
  });
});
