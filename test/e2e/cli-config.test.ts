import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const env = {
  ...process.env,
  GITHUB_TOKEN: "t",
  GITHUB_WEBHOOK_SECRET: "s",
  GITLAB_TOKEN: "t",
  GITLAB_WEBHOOK_SECRET: "s",
};

async function ferry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("ferry config check", () => {
  it("accepts the example configuration", async () => {
    const result = await ferry("config", "check", "examples/ferry.yaml");
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain("ok (1 apps, 2 forges, 1 clusters)");
  });

  it("exits 2 with the exact path for a broken one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-cli-"));
    const file = join(dir, "ferry.yaml");
    await writeFile(
      file,
      "clusters: [{ name: prod, kubeconfig: /k }]\nforges: [{ name: gh, type: github, webhookSecret: s }]\n" +
        "apps: [{ name: a, forge: gh, repo: o/r, destination: { cluster: prod, namespace: a } },\n" +
        "       { name: b, forge: gh, repo: o/r, destination: { cluster: prd, namespace: b } }]\n",
    );
    const result = await ferry("config", "check", file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('apps[1].destination.cluster: unknown cluster "prd"');
  });

  it("exits 2 on an unknown command and prints help", async () => {
    const result = await ferry("launch");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'launch'");
  });

  it("lists every command in its help (each command's modules load only when it runs)", async () => {
    const result = await ferry("--help");
    expect(result.code).toBe(0);
    for (const name of [
      "up",
      "serve",
      "worker",
      "config",
      "render",
      "cluster",
      "diff",
      "sync",
      "status",
      "health",
    ])
      expect(result.stdout).toMatch(new RegExp(`^  ${name}\\b`, "m"));
  });

  it("prints its version", async () => {
    const result = await ferry("--version");
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
