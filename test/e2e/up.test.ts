// `ferry up` the way a person runs it: a child process with no configuration, which starts its
// own Redis, seeds the demo repository, deploys the demo app to the cluster (the run's control
// plane, passed with --kubeconfig so the test does not start a second one), picks up a local
// commit without any webhook, and stops cleanly on SIGINT.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, inject, it } from "vitest";
import { testKubeClient } from "../support/cluster.ts";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/process.ts";

const run = promisify(execFile);
const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;

describe("ferry up (demo)", () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  let dir = "";
  let output = "";
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("deploys the demo app, follows a local commit and stops on SIGINT", { timeout: 240_000 }, async () => {
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
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));

    await waitFor("ferry up to report the first deploy", () => output.includes("Ferry is up"), {
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

    // A local commit, no webhook: the poller notices it and the Deployment scales.
    const repo = join(dir, "demo-repo");
    const file = join(repo, "apps/hello/deployment.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("replicas: 2", "replicas: 3"));
    await run("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "Scale hello"], {
      cwd: repo,
    });
    await waitFor(
      "the poller to deploy the local commit",
      async () => {
        const live = await kube.get({
          apiVersion: "apps/v1",
          kind: "Deployment",
          namespace: "hello",
          name: "hello",
        });
        return (live?.spec as { replicas?: number } | undefined)?.replicas === 3;
      },
      { timeoutMs: 60_000, intervalMs: 500, describe: () => output.slice(-3000) },
    );

    child.kill("SIGINT");
    const started = Date.now();
    expect(await exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    await kube.delete({ apiVersion: "v1", kind: "Namespace", name: "hello" });
  });
});
