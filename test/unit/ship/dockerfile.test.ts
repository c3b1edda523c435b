// Docker is not available on the machines that build Ferry, and Debian has no hadolint: this
// test reads the Dockerfile and checks the rules the image must keep (issue 9) plus the
// hadolint rules that apply to it, so the image stays buildable and safe by construction.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../../src/config/schema.ts";
import { installRoot } from "../../../src/runtime/install.ts";
import { NODE_FLAGS } from "../../../src/runtime/node-flags.ts";
import { compiledPath } from "../../../scripts/build.ts";
import { dockerignorePatterns, isIgnored, parseDockerfile, type Instruction } from "./dockerfile-parse.ts";
import { runtimePackages } from "./runtime-imports.ts";

const dockerfile = parseDockerfile(readFileSync(join(installRoot, "Dockerfile"), "utf8"));
const ignore = dockerignorePatterns(readFileSync(join(installRoot, ".dockerignore"), "utf8"));
const pkg = JSON.parse(readFileSync(join(installRoot, "package.json"), "utf8")) as {
  bin: Record<string, string>;
};
const build = dockerfile.stages.find((s) => s.name === "build");
const runtime = dockerfile.stages.at(-1);
const all = dockerfile.stages.flatMap((s) => s.instructions);
const of = (list: Instruction[] | undefined, keyword: string) =>
  (list ?? []).filter((i) => i.keyword === keyword);
const runs = (list: Instruction[] | undefined) => of(list, "RUN").map((i) => i.args);
const envOf = (list: Instruction[] | undefined) => {
  const env: Record<string, string> = {};
  for (const i of of(list, "ENV")) {
    for (const pair of i.words) {
      const [key = "", value = ""] = pair.split("=");
      env[key] = value;
    }
  }
  return env;
};
const tracked = execFileSync("git", ["ls-files"], { cwd: installRoot, encoding: "utf8" }).split("\n");

describe("Dockerfile", () => {
  it("has a named build stage and a separate runtime stage", () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    expect(build).toBeDefined();
    expect(runtime).not.toBe(build);
  });

  it("bases every stage on a pinned Node 24 Debian slim image", () => {
    for (const stage of dockerfile.stages) {
      expect(stage.image).toMatch(/^node:24\.\d+\.\d+-(bookworm|trixie)-slim(@sha256:[0-9a-f]{64})?$/);
    }
  });

  it("installs with npm ci from the lockfile and prunes dev dependencies in the build stage", () => {
    const copies = of(build?.instructions, "COPY").flatMap((i) => i.words);
    expect(copies).toContain("package-lock.json");
    const commands = runs(build?.instructions).join(" && ");
    expect(commands).toMatch(/\bnpm ci\b/);
    expect(commands).not.toMatch(/\bnpm (install|i)\b/);
    expect(commands).toMatch(/\bnode scripts\/setup\.ts\b/);
    expect(commands).toMatch(/\bnpm prune --omit=dev\b/);
    expect(commands.indexOf("npm prune")).toBeGreaterThan(commands.indexOf("scripts/setup.ts"));
    // The compiler is a dev dependency: dist/ is built before the prune removes it.
    expect(commands).toMatch(/\bnpm run build\b/);
    expect(commands.indexOf("npm prune")).toBeGreaterThan(commands.indexOf("npm run build"));
    expect(runs(runtime?.instructions).join(" ")).not.toMatch(/\bnpm (ci|install|i)\b/);
  });

  it("runs as a numeric non-root user in the runtime stage", () => {
    const user = of(runtime?.instructions, "USER").at(-1)?.words[0] ?? "";
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(":")[0])).toBe(10001);
  });

  it("has no HEALTHCHECK and no ADD (Kubernetes probes; COPY only, never a URL)", () => {
    expect(of(all, "HEALTHCHECK")).toEqual([]);
    expect(of(all, "ADD")).toEqual([]);
  });

  it("uses exec form for ENTRYPOINT and CMD, starting the package's bin (compiled main.ts)", () => {
    const [entrypoint] = of(runtime?.instructions, "ENTRYPOINT");
    const [cmd] = of(runtime?.instructions, "CMD");
    expect(entrypoint?.execForm).toBe(true);
    expect(cmd?.execForm).toBe(true);
    expect(entrypoint?.words.slice(-2 - NODE_FLAGS.length)).toEqual(["node", ...NODE_FLAGS, pkg.bin.ferry]);
    expect(pkg.bin.ferry).toBe(compiledPath("src/cli/main.ts"));
    expect(existsSync(join(installRoot, "src/cli/main.ts"))).toBe(true);
    expect(cmd?.words).toEqual(["serve", "--config", "/etc/ferry/ferry.yaml"]);
  });

  it("sets an owner on every COPY into the runtime image, and it is root (code is immutable)", () => {
    const copies = of(runtime?.instructions, "COPY");
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) expect(copy.flags.chown, `line ${copy.line}`).toBe("root:root");
  });

  it("copies only files that exist in the repository and are not excluded by .dockerignore", () => {
    const sources = dockerfile.stages
      .flatMap((s) => of(s.instructions, "COPY"))
      .filter((i) => i.flags.from === undefined)
      .flatMap((i) => i.words.slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      const path = source.replace(/\/$/, "");
      if (path === ".") continue;
      const present = tracked.some((file) => file === path || file.startsWith(`${path}/`));
      expect(present, `${source} is tracked by git`).toBe(true);
      expect(isIgnored(path, ignore), `${source} is not in .dockerignore`).toBe(false);
    }
  });

  it("copies from the build stage only what the build stage produces", () => {
    const fromBuild = of(runtime?.instructions, "COPY").filter((i) => i.flags.from === "build");
    const sources = fromBuild.flatMap((i) => i.words.slice(0, -1));
    expect(sources.sort()).toEqual([
      "/app/.tools/bin/helm",
      "/app/.tools/bin/kubectl",
      "/app/dist",
      "/app/examples",
      "/app/node_modules",
      "/app/package.json",
    ]);
    // What is copied from the context must bring package.json, what dist/ is compiled from, and
    // examples/ along.
    const context = of(build?.instructions, "COPY").filter((i) => i.flags.from === undefined);
    expect(context.some((i) => i.words[0] === ".")).toBe(true);
    for (const path of [
      "package.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "scripts/build.ts",
      "src",
      "workers",
      "examples",
      "src/cli/main.ts",
      "src/ui/static/ui.css",
    ]) {
      expect(isIgnored(path, ignore), `${path} reaches the build context`).toBe(false);
    }
    expect(of(build?.instructions, "WORKDIR").at(-1)?.words[0]).toBe("/app");
  });

  it("points FERRY_HELM and FERRY_KUBECTL at the copied binaries", () => {
    const env = envOf(runtime?.instructions);
    const copyTarget = of(runtime?.instructions, "COPY")
      .find((i) => i.words.includes("/app/.tools/bin/helm"))
      ?.words.at(-1);
    expect(copyTarget).toBe("/usr/local/bin/");
    expect(env.FERRY_HELM).toBe("/usr/local/bin/helm");
    expect(env.FERRY_KUBECTL).toBe("/usr/local/bin/kubectl");
  });

  it("keeps every writable path on a volume so the root filesystem can be read-only", () => {
    const env = envOf(runtime?.instructions);
    const volumes = of(runtime?.instructions, "VOLUME").flatMap((i) => i.words);
    expect(volumes).toEqual(expect.arrayContaining(["/var/lib/ferry", "/tmp"]));
    for (const name of ["HOME", "FERRY_WORK_DIR", "TMPDIR", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"]) {
      const value = env[name] ?? "";
      expect(
        volumes.some((v) => value === v || value.startsWith(`${v}/`)),
        `${name}=${value}`,
      ).toBe(true);
    }
  });

  it("installs git without recommends, cleans apt lists, and keeps redis out of the runtime image", () => {
    for (const command of runs(all).filter((c) => c.includes("apt-get install"))) {
      expect(command).toContain("--no-install-recommends");
      expect(command).toContain("rm -rf /var/lib/apt/lists/*");
    }
    const runtimeRuns = runs(runtime?.instructions).join(" ");
    expect(runtimeRuns).toMatch(/apt-get install[^&]*\bgit\b/);
    expect(runtimeRuns).not.toMatch(/redis/);
  });

  it("sets pipefail in every stage that runs shell commands", () => {
    for (const stage of dockerfile.stages) {
      if (of(stage.instructions, "RUN").length === 0) continue;
      expect(of(stage.instructions, "SHELL")[0]?.words).toEqual(["/bin/bash", "-o", "pipefail", "-c"]);
    }
  });

  it("exposes the configuration's default port", () => {
    const port = configSchema.parse({}).server.port;
    expect(of(runtime?.instructions, "EXPOSE").flatMap((i) => i.words)).toEqual([String(port)]);
  });

  it("keeps the build context free of git data, host binaries and secrets", () => {
    // dist/: the build stage compiles its own, never a developer's stale one.
    for (const path of [
      ".git",
      "node_modules",
      ".tools",
      "dist",
      ".env",
      "deploy/id.pem",
      "ops/kubeconfig",
    ]) {
      expect(isIgnored(path, ignore), path).toBe(true);
    }
  });

  it("needs no dev dependency at run time (they are pruned from the image)", () => {
    // What survives `npm prune --omit=dev` is every lockfile entry not marked dev.
    const lock = JSON.parse(readFileSync(join(installRoot, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const used = runtimePackages(installRoot, ["src", "workers"]);
    expect(used.has("zod")).toBe(true);
    for (const [name, files] of used) {
      const entry = lock.packages[`node_modules/${name}`];
      expect(entry, `${name} (loaded by ${files.join(", ")}) is installed`).toBeDefined();
      expect(entry?.dev, `${name} (loaded by ${files.join(", ")}) survives the prune`).not.toBe(true);
    }
  });
});
