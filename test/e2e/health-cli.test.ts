// `ferry health` as a person runs it: stdin and JSON output, agreement with the documented
// examples the unit tests judge (test/fixtures/health), and a broken rule's error (the commands
// docs/health.md shows are run by test/e2e/docs-snippets.test.ts).
import { execFile, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { allHealthExamples, healthFixtureStream } from "../support/health-fixtures.ts";

const run = promisify(execFile);
const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;

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

  it("agrees with every documented example (core kinds, each operator rule, the conventions)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-health-"));
    const examples = allHealthExamples();
    const result = await ferry(dir, ["health", "-o", "json", "-"], healthFixtureStream());
    expect(result.code).toBe(0);
    const reports = JSON.parse(result.stdout) as Array<{
      kind: string;
      name: string;
      status: string;
      message: string;
    }>;
    expect(reports).toHaveLength(examples.length);
    const judged = reports.map((report, index) => {
      const example = examples[index];
      const { message } = example ?? {};
      return {
        object: `${example?.file} ${report.kind}/${report.name}`,
        status: report.status,
        ...(message === undefined ? {} : { message: report.message }),
      };
    });
    const expected = examples.map(({ file, object, status, message }) => ({
      object: `${file} ${object.kind}/${object.metadata.name}`,
      status,
      ...(message === undefined ? {} : { message }),
    }));
    expect(judged).toEqual(expected);
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
