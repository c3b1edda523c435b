// `ferry health` as a person runs it: every snippet of docs/health.md (the files it names, the
// commands and the output it shows), stdin and JSON output, and a broken rule's error.
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const doc = readFileSync(new URL("../../docs/health.md", import.meta.url), "utf8");

async function ferry(
  cwd: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  if (stdin !== undefined) {
    const child = spawn(process.execPath, [cli, ...args], { cwd });
    child.stdin.end(stdin);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number>((resolve) => child.on("close", (status) => resolve(status ?? -1)));
    return { code, stdout, stderr };
  }
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The doc's fenced blocks in order, with their language. */
function fences(markdown: string): Array<{ lang: string; body: string }> {
  return [...markdown.matchAll(/```(\w+)\n(.*?)```/gs)].map((m) => ({ lang: m[1] ?? "", body: m[2] ?? "" }));
}

describe("docs/health.md", () => {
  const blocks = fences(doc);

  it("has the snippets this test runs (guards against a parser that finds nothing)", () => {
    expect(blocks.filter((b) => b.lang === "sh").length).toBe(2);
    expect(blocks.filter((b) => b.lang === "yaml").map((b) => b.body.split("\n")[0])).toEqual([
      "# widgets.yaml",
      "# ferry.yaml",
    ]);
  });

  it("prints what it shows for every command", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-health-doc-"));
    for (const block of blocks.filter((b) => b.lang === "yaml")) {
      await writeFile(join(dir, block.body.split("\n")[0]?.replace("# ", "") ?? ""), block.body);
    }
    let checked = 0;
    for (const [index, block] of blocks.entries()) {
      if (block.lang !== "sh") continue;
      const expected = blocks[index + 1];
      expect(expected?.lang, "an sh block is followed by its output").toBe("text");
      let output = "";
      for (const line of block.body.trim().split("\n")) {
        const [command, ...args] = line.trim().split(/\s+/);
        expect(command).toBe("ferry");
        const result = await ferry(dir, args);
        expect(result.stderr).toBe("");
        expect(result.code).toBe(0);
        output += result.stdout;
      }
      expect(output).toBe(expected?.body);
      checked++;
    }
    expect(checked).toBe(2);
  });
});

describe("ferry health", () => {
  const stream = [
    JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        {
          apiVersion: "batch/v1",
          kind: "CronJob",
          metadata: { name: "nightly", namespace: "ops" },
          spec: { suspend: true },
        },
        { apiVersion: "v1", kind: "Namespace", metadata: { name: "ops" }, status: { phase: "Active" } },
      ],
    }),
    "---",
    "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: { name: tls, namespace: ops }\nstatus: { conditions: [{ type: Ready, status: 'False', reason: Failed, message: issuer not found }] }",
  ].join("\n");

  it("reads stdin and prints a JSON array with every field", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-health-"));
    const result = await ferry(dir, ["health", "-o", "json", "-"], stream);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([
      {
        apiVersion: "batch/v1",
        kind: "CronJob",
        namespace: "ops",
        name: "nightly",
        status: "Suspended",
        message: "CronJob nightly is suspended",
      },
      { apiVersion: "v1", kind: "Namespace", namespace: "", name: "ops", status: "Healthy", message: "" },
      {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        namespace: "ops",
        name: "tls",
        status: "Degraded",
        message: "Certificate tls: issuer not found",
      },
    ]);
  });

  it("refuses a configuration whose rule does not compile, naming the expression's path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-health-"));
    await writeFile(
      join(dir, "ferry.yaml"),
      "health:\n  rules:\n    - { apiVersion: example.com/v1, kind: Widget, current: 'stauts.phase == \"Done\"' }\n    - { apiVersion: example.com/v1, kind: Gadget, failed: 'status.phase ==' }\n",
    );
    await writeFile(join(dir, "w.yaml"), "apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n");
    const result = await ferry(dir, ["health", "--config", "ferry.yaml", "w.yaml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("health.rules[1].failed: ");
    expect(result.stderr).toContain("health.rules[0].current: Unknown variable: stauts");
  });
});
