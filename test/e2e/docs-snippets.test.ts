// Every snippet a reader copies from README.md and docs/*.md works, run the way a user runs it
// (`ferry` as a child process, a real shell). The one owner of "the docs' snippets are true";
// docs/configuration.md's field table is checked against the schema by
// test/unit/ship/config-docs.test.ts.
//
// YAML blocks. A ```yaml block is a ferry.yaml (or a fragment of one) when any of its top-level
// keys is a top-level key of ferry.yaml's schema: each is written to a file and must pass
// `ferry config check` (every `${NAME}` it references set to a placeholder, as the reader would
// export them). Any other YAML block must be Kubernetes objects (apiVersion and kind); a block
// that is neither, or does not parse, fails. A block whose first line is `# <file>` is also
// written under that name for the commands of its document.
//
// Shell blocks (```sh, ```bash, ```shell). Each command is either run here (`runHere`) or listed
// in `exercisedElsewhere` with the test file that exercises it and the text in that file that
// does; the test fails on a command that is neither, on a list entry whose command left the
// docs, and on a listed file that no longer contains its text. `ferry ...` and
// `npm run ferry -- ...` run src/cli/main.ts (package.json's `ferry` script, checked below).
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { afterAll, describe, expect, inject, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import { installRoot } from "../../src/runtime/install.ts";
import { NODE_FLAGS } from "../../src/runtime/node-flags.ts";
import { docFiles, fences, shellCommands, shellLanguages, type Fence } from "../support/docs.ts";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/process.ts";

const cli = join(installRoot, "src", "cli", "main.ts");
const allFences = docFiles().flatMap((doc) => fences(doc));

/** Commands this file runs; each is run by one of the tests below. */
const runHere = new Set([
  "npm run ferry -- config check ferry.yaml",
  "npm run ferry -- up --config ferry.yaml",
  "openssl rand -hex 32",
  "ferry health widgets.yaml",
  "ferry config check ferry.yaml",
  "ferry health --config ferry.yaml widgets.yaml",
]);

/** Commands other tests exercise: the file and the text in it that runs the command. */
const exercisedElsewhere: Record<string, { file: string; contains: string[] }> = {
  // `npm start` is `npm run setup && npm run build` and the compiled `ferry up` (package.json);
  // setup runs before every suite, test/e2e/dist.test.ts builds and runs the compiled bin.
  "npm ci && npm start": { file: "test/e2e/up.test.ts", contains: ['[cli, "up"'] },
  // The suite is this command; package.json says what it runs.
  "npm ci && npm test": { file: "package.json", contains: ['"test": "npm run setup -- --with-cluster'] },
  "npm run ferry -- serve --config ferry.yaml": {
    file: "test/e2e/receiver-flood.test.ts",
    contains: ['"serve", "--config"'],
  },
  "npm run ferry -- worker --config ferry.yaml": {
    file: "test/e2e/worker-sigterm.test.ts",
    contains: ['"worker", "--config"'],
  },
  "npm run ferry -- render apps/podinfo --values values-prod.yaml": {
    file: "test/integration/render/cli.test.ts",
    contains: ['"render"', '"--values"'],
  },
  "npm run ferry -- diff podinfo --config ferry.yaml --exit-code": {
    file: "test/e2e/preview/cli-diff.test.ts",
    contains: ['ferry("diff", "web", "--config", file, "--exit-code")'],
  },
  "npm run ferry -- sync podinfo --config ferry.yaml [--dry-run]": {
    file: "test/e2e/deploy/cli.test.ts",
    contains: [
      'ferry("sync", app, "--config", config, "--dry-run")',
      'ferry("sync", app, "--config", config)',
    ],
  },
  "npm run ferry -- status --config ferry.yaml": {
    file: "test/e2e/deploy/cli.test.ts",
    contains: ['ferry("status", "--config", config)'],
  },
  "npm run ferry -- cluster up | cluster down": {
    file: "test/integration/kube/cli-cluster.test.ts",
    contains: ['ferry("cluster", "up"', 'ferry("cluster", "down"'],
  },
};

const ran = new Set<string>();
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a documented command in `cwd`, as a user would: `ferry` is the CLI, the rest a shell. */
async function runDocCommand(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Result> {
  expect(runHere.has(command), `${command} is in runHere`).toBe(true);
  ran.add(command);
  const ferry = /^(?:npm run ferry --|ferry) (.*)$/.exec(command);
  const [file, args] = ferry
    ? [process.execPath, [cli, ...(ferry[1] ?? "").split(" ")]]
    : ["sh", ["-c", command]];
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A fresh directory holding every `# <file>` YAML block of `doc`. */
async function docDir(doc: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "ferry-docs-"));
  dirs.push(dir);
  for (const fence of allFences.filter((f) => f.doc === doc && f.lang === "yaml")) {
    const named = /^# ([\w.-]+\.ya?ml)\n/.exec(fence.body)?.[1];
    if (named) await writeFile(join(dir, named), fence.body);
  }
  return dir;
}

/** Placeholders for every `${NAME}` (without a default) a snippet references. */
function placeholders(text: string): Record<string, string> {
  const names = [...text.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1] ?? "");
  return Object.fromEntries(names.map((name) => [name, `placeholder-${name.toLowerCase()}`]));
}

type YamlKind = "ferry.yaml" | "kubernetes";

/** The rule of the header: by top-level keys. Throws on a block that parses to neither. */
function classify(fence: Fence): YamlKind {
  const documents = yaml.loadAll(fence.body).filter((d) => d !== null && d !== undefined);
  const configKeys = new Set(Object.keys(configSchema.shape));
  const isMapping = (d: unknown): d is Record<string, unknown> => typeof d === "object" && !Array.isArray(d);
  // Objects first: a Kustomization's `images:` shares a name with ferry.yaml's, and ferry.yaml
  // has no apiVersion or kind.
  if (documents.length > 0 && documents.every((d) => isMapping(d) && "apiVersion" in d && "kind" in d)) {
    return "kubernetes";
  }
  if (
    documents.length === 1 &&
    isMapping(documents[0]) &&
    Object.keys(documents[0]).some((k) => configKeys.has(k))
  ) {
    return "ferry.yaml";
  }
  throw new Error(
    `${fence.doc}: a yaml block is neither a ferry.yaml nor Kubernetes objects:\n${fence.body}`,
  );
}

describe("the docs' YAML snippets", () => {
  const yamlFences = allFences.filter((f) => f.lang === "yaml");

  it("finds them (guards against a parser that finds nothing)", () => {
    expect(yamlFences.filter((f) => f.doc === "README.md")).toHaveLength(1);
    expect(yamlFences.length).toBeGreaterThanOrEqual(6);
  });

  it("are each a ferry.yaml or Kubernetes objects", () => {
    const kinds = yamlFences.map((fence) => classify(fence));
    expect(kinds.filter((k) => k === "ferry.yaml").length).toBeGreaterThanOrEqual(5);
  });

  it("pass `ferry config check` when they are a ferry.yaml", { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-docs-yaml-"));
    dirs.push(dir);
    const configs = yamlFences.filter((fence) => classify(fence) === "ferry.yaml");
    for (const [index, fence] of configs.entries()) {
      const file = join(dir, `snippet-${index}.yaml`);
      await writeFile(file, fence.body);
      const result = await new Promise<Result>((resolve) =>
        execFile(
          process.execPath,
          [cli, "config", "check", file],
          { cwd: dir, env: { ...process.env, ...placeholders(fence.body) } },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
      );
      expect(result, `${fence.doc}:\n${fence.body}`).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toMatch(/: ok \(\d+ apps, \d+ forges, \d+ clusters\)\n$/);
    }
  });
});

describe("the docs' shell snippets", () => {
  const shellFences = allFences.filter((f) => shellLanguages.includes(f.lang));
  const documented = shellFences.flatMap((fence) =>
    shellCommands(fence.body).map((command) => ({ fence, command })),
  );

  it("runs `npm run ferry --` as src/cli/main.ts", () => {
    const pkg = JSON.parse(readFileSync(join(installRoot, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.ferry).toBe(["node", ...NODE_FLAGS, "src/cli/main.ts"].join(" "));
  });

  it("README: `config check` accepts the README's configuration", async () => {
    const dir = await docDir("README.md");
    const command = "npm run ferry -- config check ferry.yaml";
    const result = await runDocCommand(command, dir, {
      ...process.env,
      ...placeholders(readFileSync(join(dir, "ferry.yaml"), "utf8")),
    });
    expect(result).toMatchObject({ code: 0, stdout: "ferry.yaml: ok (1 apps, 1 forges, 1 clusters)\n" });
  });

  it("README: `up --config` serves until Ctrl-C", { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-docs-up-"));
    dirs.push(dir);
    const port = await freePort();
    await writeFile(
      join(dir, "ferry.yaml"),
      yaml.dump({
        redis: { url: inject("redisUrl"), prefix: `docs-up-${port}` },
        server: { port, host: "127.0.0.1" },
        workDir: join(dir, "work"),
      }),
    );
    const command = "npm run ferry -- up --config ferry.yaml";
    expect(runHere.has(command)).toBe(true);
    ran.add(command);
    const child = spawn(process.execPath, [cli, "up", "--config", "ferry.yaml"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      await waitFor(
        "the receiver to answer",
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200,
        { timeoutMs: 30_000, describe: () => output.slice(-2000) },
      );
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("docs/webhooks.md: the secret command prints 32 random bytes in hex", async () => {
    const result = await runDocCommand("openssl rand -hex 32", tmpdir());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^[0-9a-f]{64}\n$/);
  });

  it("docs/health.md: prints what it shows for every command", async () => {
    const dir = await docDir("docs/health.md");
    const blocks = allFences.filter((f) => f.doc === "docs/health.md");
    let checked = 0;
    for (const [index, block] of blocks.entries()) {
      if (!shellLanguages.includes(block.lang)) continue;
      const expected = blocks[index + 1];
      expect(expected?.lang, "an sh block is followed by its output").toBe("text");
      let output = "";
      for (const command of shellCommands(block.body)) {
        const result = await runDocCommand(command, dir);
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        output += result.stdout;
      }
      expect(output).toBe(expected?.body);
      checked++;
    }
    expect(checked).toBe(2);
  });

  it("are each run above or listed with the test that runs them, and the list is current", () => {
    expect(documented.length).toBeGreaterThanOrEqual(15);
    const neither = documented.filter(
      ({ command }) => !runHere.has(command) && !(command in exercisedElsewhere),
    );
    expect(
      neither.map(({ fence, command }) => `${fence.doc}: ${command}`),
      "neither run nor listed",
    ).toEqual([]);
    const commands = new Set(documented.map(({ command }) => command));
    const gone = [...runHere, ...Object.keys(exercisedElsewhere)].filter((command) => !commands.has(command));
    expect(gone, "listed but no longer in the docs").toEqual([]);
    for (const [command, { file, contains }] of Object.entries(exercisedElsewhere)) {
      const text = readFileSync(join(installRoot, file), "utf8");
      for (const needle of contains) expect(text, `${file} exercises ${command}`).toContain(needle);
    }
    expect(
      [...runHere].filter((command) => !ran.has(command)),
      "in runHere but not run",
    ).toEqual([]);
  });
});
