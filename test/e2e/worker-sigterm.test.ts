// `ferry worker` the way production runs it: a child process on a ferry.yaml. SIGTERM while a
// sync is running makes it stop within 30 s; a new worker finishes the sync (the job is handed
// back or retried, and apply is idempotent); a second worker keeps working on the queue.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, describe, expect, inject, it } from "vitest";
import { keyPattern } from "../../src/keys.ts";
import { createEnqueuer } from "../../src/queue/enqueue.ts";
import { readHistory } from "../../src/sync/history.ts";
import { testKubeClient, useNamespace } from "../support/cluster.ts";
import { createRepo, type TestRepo } from "../support/git.ts";
import { freePort } from "../support/ports.ts";
import { waitFor } from "../support/process.ts";

const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;

function deployment(name: string, image: string, replicas: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: { containers: [{ name: main, image: "${image}" }] }
`;
}

describe("ferry worker", () => {
  const namespace = useNamespace("sigterm");
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it(
    "stops within 30 s on SIGTERM mid-sync; the sync is finished or handed back and completes",
    { timeout: 180_000 },
    async () => {
      const app = `sig-${randomUUID().slice(0, 8)}`;
      const prefix = `t-${app}`;
      const files: Record<string, string> = {};
      for (let i = 0; i < 8; i++) files[`app/d${i}.yaml`] = deployment(`d${i}`, "nginx:1.27", 2);
      const repo: TestRepo = await createRepo(files);
      cleanups.push(() => repo.cleanup());
      const dir = await mkdtemp(join(tmpdir(), "ferry-worker-"));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const configFile = join(dir, "ferry.yaml");
      await writeFile(
        configFile,
        JSON.stringify({
          redis: { url: inject("redisUrl"), prefix },
          workDir: join(dir, "work"),
          forges: [{ name: "gh", type: "github", webhookSecret: "s" }],
          clusters: [{ name: "test", kubeconfig: inject("kubeconfig") }],
          apps: [
            {
              name: app,
              forge: "gh",
              repo: "acme/sigterm",
              repoUrl: repo.dir,
              path: "app",
              destination: { cluster: "test", namespace: namespace.name },
              sync: { interval: "1h", healthTimeout: "2m" },
            },
          ],
        }),
      );
      const output: string[] = [];
      const startWorker = (
        extra: string[] = [],
      ): { child: ChildProcessWithoutNullStreams; exited: Promise<number | null> } => {
        const child = spawn(
          process.execPath,
          [cli, "worker", "--config", configFile, "--queues", "sync", ...extra],
          {
            env: { ...process.env, FERRY_LOG_LEVEL: "info" },
          },
        );
        child.stdout.on("data", (chunk: Buffer) => output.push(chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => output.push(chunk.toString()));
        cleanups.push(() => Promise.resolve(child.kill("SIGKILL")));
        return { child, exited: new Promise((resolve) => child.once("exit", (code) => resolve(code))) };
      };

      const redis = new Redis(inject("redisUrl"), { maxRetriesPerRequest: null });
      const enqueuer = createEnqueuer(redis, { prefix });
      cleanups.push(
        () => redis.quit(),
        () => enqueuer.close(),
        async () => {
          const keys = await redis.keys(keyPattern(prefix));
          if (keys.length > 0) await redis.del(...keys);
        },
      );

      const first = startWorker();
      await waitFor("the worker to start", () => output.join("").includes("workers started"), {
        timeoutMs: 30_000,
        describe: () => output.join("").slice(-2000),
      });
      await enqueuer.enqueueSync({ app, reason: "manual" });
      await waitFor("the sync to start applying", () => output.join("").includes("sync planned"), {
        timeoutMs: 60_000,
        describe: () => output.join("").slice(-2000),
      });

      first.child.kill("SIGTERM");
      const stopping = Date.now();
      expect(await first.exited).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(30_000);

      const port = await freePort();
      const second = startWorker(["--http-port", String(port)]);
      await waitFor(
        "the sync to be recorded as succeeded",
        async () => (await readHistory(redis, prefix, app)).some((record) => record.result === "succeeded"),
        { timeoutMs: 120_000, intervalMs: 250, describe: () => output.join("").slice(-3000) },
      );
      const kube = testKubeClient();
      for (let i = 0; i < 8; i++) {
        const live = await kube.get({
          apiVersion: "apps/v1",
          kind: "Deployment",
          namespace: namespace.name,
          name: `d${i}`,
        });
        expect(live?.metadata.labels?.["ferry.dev/app"]).toBe(app);
      }
      await waitFor("the second worker to start", () => output.join("").includes("worker http listening"), {
        timeoutMs: 30_000,
        describe: () => output.join("").slice(-2000),
      });
      // The worker serves its own probes and the metrics of the jobs it runs.
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toContain("# TYPE ferry_sync_total counter");
      expect(metrics).toContain("# TYPE ferry_job_duration_seconds histogram");
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    },
  );
});
