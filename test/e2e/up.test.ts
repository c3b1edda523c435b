// `ferry up` the way a person runs it: a child process with no configuration, which starts its
// own Redis, seeds the demo repository, deploys the demo app to the cluster (the run's control
// plane, passed with --kubeconfig so the test does not start a second one), then runs the next
// steps it prints exactly as printed (a commit, the signed webhook curl: 202, the status curl)
// until the commit is live, and stops cleanly on SIGINT.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import { testKubeClient } from "../support/cluster.ts";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/process.ts";

const run = promisify(execFile);
const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;

/**
 * What `ferry up` printed as next steps: step 1's UI address, step 2's commit, step 3's signed
 * webhook curl, step 4's status curl.
 */
function printedSteps(printed: string): { ui: string; commit: string; webhook: string; watch: string } {
  const lines = printed.split("\n");
  const at = (prefix: string) => lines.findIndex((line) => line.trimStart().startsWith(prefix));
  const [one, two, three, four] = [at("1. "), at("2. "), at("3. "), at("4. ")];
  expect(
    [one, two, three, four].every((index) => index >= 0),
    printed,
  ).toBe(true);
  const between = (from: number, to: number) =>
    lines
      .slice(from + 1, to)
      .join("\n")
      .trim();
  return {
    ui: (lines[one] ?? "").replace(/^.*?(http:\/\/\S+).*$/, "$1"),
    commit: between(two, three),
    webhook: between(three, four),
    watch: (lines[four] ?? "").replace(/^.*?Watch it: /, ""),
  };
}

/** Runs a printed command with a real shell, as the reader pastes it; resolves to its stdout. */
async function shell(command: string, env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run("sh", ["-c", command], { env: { ...process.env, ...env } });
  return stdout;
}

describe("ferry up (demo)", () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  let dir = "";
  let output = "";
  let stdout = "";
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "deploys the demo app, deploys a commit its printed curl announces and stops on SIGINT",
    { timeout: 240_000 },
    async () => {
      dir = await mkdtemp(join(tmpdir(), "ferry-up-"));
      const port = await freePort();
      const env = { ...process.env, REDIS_URL: "", FERRY_LOG_LEVEL: "warn" };
      child = spawn(
        process.execPath,
        [cli, "up", "--dir", dir, "--port", String(port), "--kubeconfig", inject("kubeconfig")],
        {
          env,
        },
      );
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));

      await waitFor("ferry up to report the first deploy", () => stdout.includes("Ctrl-C stops Ferry"), {
        timeoutMs: 180_000,
        describe: () => output.slice(-3000),
      });
      expect(output).toMatch(/hello deployed [0-9a-f]{7}/);
      const kube = testKubeClient();
      const deployment = await kube.get({
        apiVersion: "apps/v1",
        kind: "Deployment",
        namespace: "hello",
        name: "hello",
      });
      expect(deployment?.metadata.labels?.["ferry.dev/app"]).toBe("hello");

      // The receiver answers; the API knows the app.
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);

      // What it printed to do next, run as printed by a shell: step 1 is the web UI, step 2
      // commits a change, step 3's curl sends the signed push webhook for it (202: a sync job),
      // step 4 shows the app.
      const steps = printedSteps(stdout);
      const ui = await fetch(steps.ui);
      expect(ui.status, steps.ui).toBe(200);
      expect(await ui.text()).toContain("hello");
      const repo = join(dir, "demo-repo");
      const gitIdentity = {
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@t",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@t",
      };
      await shell(steps.commit, gitIdentity);
      const { stdout: head } = await run("git", ["rev-parse", "HEAD"], { cwd: repo });
      const sent = await shell(steps.webhook);
      expect(sent.trimEnd().split("\n").at(-1), sent).toBe("HTTP 202");
      expect(JSON.parse(sent.trimEnd().split("\n")[0] ?? "")).toEqual({ jobs: [expect.any(String)] });
      // Step 3 is how the reader watches it: the app's revision becomes the pushed commit, and
      // the cluster runs what it says.
      await waitFor(
        "the pushed commit to be deployed",
        async () => {
          const app = JSON.parse(await shell(steps.watch)) as { name: string; revision?: string };
          expect(app.name).toBe("hello");
          return app.revision === head.trim();
        },
        { timeoutMs: 60_000, intervalMs: 500, describe: () => output.slice(-3000) },
      );
      const live = await kube.get({
        apiVersion: "apps/v1",
        kind: "Deployment",
        namespace: "hello",
        name: "hello",
      });
      expect((live?.spec as { replicas?: number } | undefined)?.replicas).toBe(3);

      child.kill("SIGINT");
      const started = Date.now();
      expect(await exited).toBe(0);
      expect(Date.now() - started).toBeLessThan(30_000);
      await kube.delete({ apiVersion: "v1", kind: "Namespace", name: "hello" });
    },
  );
});
