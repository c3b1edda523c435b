// Webhook-to-Available latency of a 20-object app (1 Deployment, 1 Service, 18 ConfigMaps):
// Ferry (signed GitHub push → receiver → BullMQ → sync worker: ls-remote, fetch, checkout,
// render, plan, server-side apply of what changed, health wait, history, status and comment on
// a fake GitHub) against the bare path (`kubectl apply --server-side` of the same manifests +
// `kubectl rollout status`), on the same local control plane, pushes interleaved so that both
// see the same machine load. Each push changes the Deployment's image and one ConfigMap.
// Ferry's latency ends when the Deployment is Available with the new image (polled every
// 20 ms); the time until its job finished (health proven, feedback posted) is reported too.
//
// BENCH_PUSHES (default 20). BENCH_KUBECONFIG reuses a running control plane (`ferry cluster up`).
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Job, QueueEvents, Worker } from "bullmq";
import type { Registry } from "prom-client";
import { queuePrefix } from "../src/keys.ts";
import { startPrivateRedis } from "../src/cli/up/redis.ts";
import { parseConfig } from "../src/config/load.ts";
import { createApp } from "../src/http/app.ts";
import { closeServer, listen } from "../src/http/server.ts";
import { createKubeClient } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/kubeconfig.ts";
import type { KubeClient } from "../src/kube/types.ts";
import { createLogger } from "../src/observability/logger.ts";
import { createRedis } from "../src/queue/connection.ts";
import { createEnqueuer } from "../src/queue/enqueue.ts";
import { queueNames } from "../src/queue/types.ts";
import { toolPath } from "../src/render/binaries.ts";
import { benchCluster } from "./cluster.ts";
import { percentile } from "./stats.ts";
import { createRuntime } from "../src/runtime/context.ts";
import { createSyncProcessor } from "../workers/sync.ts";
import { FakeGithub } from "../test/support/fakes/github.ts";
import { createRepo, type TestRepo } from "../test/support/git.ts";
import { freePort } from "../test/support/ports.ts";
import { signGithub } from "../test/support/sign.ts";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const pushes = Number(process.env.BENCH_PUSHES ?? 20);
const secret = "bench-secret";
// The worker seals what it stores (src/state/seal.ts); a throwaway key for this run.
process.env.FERRY_STATE_KEY ??= randomBytes(32).toString("base64");

function manifests(version: number): Record<string, string> {
  const files: Record<string, string> = {
    "deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  replicas: 2
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [ { name: web, image: "nginx:1.${version}" } ] }
`,
    "service.yaml": `apiVersion: v1
kind: Service
metadata: { name: web }
spec: { selector: { app: web }, ports: [ { port: 80 } ] }
`,
  };
  for (let i = 0; i < 18; i++) {
    const value = i === 0 ? `v${version}` : `static-${i}`;
    files[`config-${i}.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: config-${i} }\ndata: { value: "${value}" }\n`;
  }
  return files;
}

async function isAvailable(kube: KubeClient, namespace: string, image: string): Promise<boolean> {
  const live = await kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace, name: "web" });
  const spec = live?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined;
  const status = live?.status as
    | { updatedReplicas?: number; availableReplicas?: number; observedGeneration?: number; replicas?: number }
    | undefined;
  return (
    spec?.template.spec.containers[0]?.image === image &&
    status?.observedGeneration === live?.metadata.generation &&
    status?.updatedReplicas === 2 &&
    status.availableReplicas === 2 &&
    status.replicas === 2
  );
}

async function until(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function createNamespace(kube: KubeClient, name: string): Promise<void> {
  await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

async function main(): Promise<void> {
  const redis = await startPrivateRedis();
  const control = await benchCluster();
  const github = await FakeGithub.start();
  const workDir = mkdtempSync(join(tmpdir(), "ferry-bench-deploy-"));
  const suffix = randomUUID().slice(0, 6);
  const ferryNs = `bench-ferry-${suffix}`;
  const kubectlNs = `bench-kubectl-${suffix}`;
  const kubectlDir = join(workDir, "kubectl");
  let repo: TestRepo | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  try {
    repo = await createRepo(
      Object.fromEntries(Object.entries(manifests(0)).map(([f, c]) => [`app/${f}`, c])),
    );
    const port = await freePort();
    const config = parseConfig({
      redis: { url: redis.url, prefix: `bench-${suffix}` },
      server: { port, host: "127.0.0.1" },
      workDir,
      forges: [
        { name: "github", type: "github", apiUrl: github.url, token: github.token, webhookSecret: secret },
      ],
      clusters: [{ name: "local", kubeconfig: control.kubeconfig }],
      apps: [
        {
          name: "bench",
          forge: "github",
          repo: "acme/bench",
          repoUrl: repo.dir,
          path: "app",
          destination: { cluster: "local", namespace: ferryNs },
          sync: { healthTimeout: "120s" },
        },
      ],
    });
    const logger = createLogger({ level: "warn" });
    const runtime = createRuntime(config, { logger });
    closers.push(() => runtime.close());
    const kube = createKubeClient(
      loadKubeConfig({ name: "local", kubeconfig: control.kubeconfig, inCluster: false }),
    );
    await createNamespace(kube, ferryNs);
    await createNamespace(kube, kubectlNs);
    closers.push(() => kube.delete({ apiVersion: "v1", kind: "Namespace", name: ferryNs }));
    closers.push(() => kube.delete({ apiVersion: "v1", kind: "Namespace", name: kubectlNs }));

    const receiverRedis = createRedis(redis.url, "receiver");
    closers.push(() => Promise.resolve(receiverRedis.disconnect()));
    const enqueuer = createEnqueuer(receiverRedis, { prefix: config.redis.prefix });
    closers.push(() => enqueuer.close());
    const server = await listen(
      createApp({ config, enqueuer, redis: receiverRedis, logger, registry: runtime.registry }),
      port,
      "127.0.0.1",
    );
    closers.push(() => closeServer(server));
    // BullMQ does not close connections it was handed: they are closed here, last.
    const connection = (role: "worker") => {
      const client = createRedis(redis.url, role);
      closers.unshift(() => Promise.resolve(client.disconnect()));
      return client;
    };
    const events = new QueueEvents(queueNames.sync, {
      connection: connection("worker"),
      prefix: queuePrefix(config.redis.prefix),
    });
    closers.push(() => events.close());
    await events.waitUntilReady();
    const worker = new Worker(queueNames.sync, createSyncProcessor(runtime), {
      connection: connection("worker"),
      prefix: queuePrefix(config.redis.prefix),
      concurrency: 4,
    });
    closers.push(() => worker.close());

    const kubectl = async (...args: string[]) =>
      run(toolPath("kubectl"), ["--kubeconfig", control.kubeconfig, ...args], { maxBuffer: 16 << 20 });
    const writeKubectl = (version: number) => {
      rmSync(kubectlDir, { recursive: true, force: true });
      mkdirSync(kubectlDir, { recursive: true });
      for (const [file, content] of Object.entries(manifests(version)))
        writeFileSync(join(kubectlDir, file), content);
    };

    let before = "0".repeat(40);
    const ferryPush = async (version: number) => {
      await repo?.write(
        Object.fromEntries(Object.entries(manifests(version)).map(([f, c]) => [`app/${f}`, c])),
      );
      const after = (await repo?.commit(`v${version}`)) ?? "";
      const body = JSON.stringify({
        ref: "refs/heads/main",
        before,
        after,
        created: false,
        deleted: false,
        forced: false,
        repository: { full_name: "acme/bench", name: "bench", owner: { login: "acme" } },
        commits: [
          { id: after, added: [], removed: [], modified: ["app/deployment.yaml", "app/config-0.yaml"] },
        ],
        pusher: { name: "bench" },
      });
      before = after;
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/webhooks/github`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": "push",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": signGithub(body, secret),
        },
      });
      const { jobs = [] } = (await response.json()) as { jobs?: string[] };
      if (response.status !== 202 || !jobs[0]) throw new Error(`webhook answered ${response.status}`);
      await until(() => isAvailable(kube, ferryNs, `nginx:1.${version}`));
      const available = performance.now() - started;
      const job = await Job.fromId(runtime.enqueuer.queues.sync, jobs[0]);
      const result = (await job?.waitUntilFinished(events, 120_000)) as { result?: string } | undefined;
      if (result?.result !== "succeeded") throw new Error(`ferry sync ended ${JSON.stringify(result)}`);
      const picked = await Job.fromId(runtime.enqueuer.queues.sync, jobs[0]);
      const queuedMs = (picked?.processedOn ?? NaN) - (picked?.timestamp ?? NaN);
      return { available, done: performance.now() - started, queuedMs };
    };
    const kubectlPush = async (version: number) => {
      writeKubectl(version);
      const started = performance.now();
      await kubectl("apply", "--server-side", "--field-manager", "bench", "-n", kubectlNs, "-f", kubectlDir);
      await kubectl("rollout", "status", "deployment/web", "-n", kubectlNs, "--timeout", "120s");
      return performance.now() - started;
    };

    // Warm-up (first deploy, mirror clone, discovery caches, kubectl's own cache) is not measured.
    await ferryPush(1);
    await kubectlPush(1);
    const phasesBefore = await phaseSums(runtime.registry);
    const ferry: { available: number; done: number; queuedMs: number }[] = [];
    const bare: number[] = [];
    for (let i = 0; i < pushes; i++) {
      const version = 2 + i;
      if (i % 2 === 0) {
        ferry.push(await ferryPush(version));
        bare.push(await kubectlPush(version));
      } else {
        bare.push(await kubectlPush(version));
        ferry.push(await ferryPush(version));
      }
    }
    report(
      ferry.map((f) => f.available),
      ferry.map((f) => f.done),
      bare,
    );
    reportPhases(
      ferry.map((f) => f.queuedMs),
      await phaseSums(runtime.registry),
      phasesBefore,
    );
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await github.close();
    await repo?.cleanup();
    rmSync(workDir, { recursive: true, force: true });
    await control.stop();
    await redis.stop();
  }
}

type PhaseSums = Map<string, { sum: number; count: number }>;

/** ferry_deploy_phase_seconds sums and counts per phase, to average over the measured pushes. */
async function phaseSums(registry: Registry): Promise<PhaseSums> {
  const metric = await registry.getSingleMetric("ferry_deploy_phase_seconds")?.get();
  const sums: PhaseSums = new Map();
  for (const value of metric?.values ?? []) {
    const phase = String(value.labels.phase);
    const entry = sums.get(phase) ?? { sum: 0, count: 0 };
    const name = (value as { metricName?: string }).metricName ?? "";
    if (name.endsWith("_sum")) entry.sum = value.value;
    else if (name.endsWith("_count")) entry.count = value.value;
    else continue;
    sums.set(phase, entry);
  }
  return sums;
}

/** Where Ferry's time went: mean milliseconds per phase over the measured pushes. */
function reportPhases(queuedMs: number[], after: PhaseSums, before: PhaseSums): void {
  console.log(`\n| Ferry phase (mean over ${pushes} pushes) | ms |`);
  console.log("|---|---:|");
  const mean = queuedMs.reduce((a, b) => a + b, 0) / queuedMs.length;
  console.log(`| queue (enqueued → picked up) | ${mean.toFixed(1)} |`);
  for (const [phase, { sum, count }] of after) {
    const earlier = before.get(phase) ?? { sum: 0, count: 0 };
    const runs = count - earlier.count;
    if (runs > 0) console.log(`| ${phase} | ${(((sum - earlier.sum) / runs) * 1000).toFixed(1)} |`);
  }
}

function report(available: number[], done: number[], bare: number[]): void {
  const row = (name: string, values: number[]) =>
    `| ${name} | ${percentile(values, 50).toFixed(0)} | ${percentile(values, 95).toFixed(0)} | ${Math.min(...values).toFixed(0)} | ${Math.max(...values).toFixed(0)} |`;
  const ratio = percentile(available, 50) / percentile(bare, 50);
  console.log(`| ${pushes} pushes, 20-object app | p50 ms | p95 ms | min ms | max ms |`);
  console.log("|---|---:|---:|---:|---:|");
  console.log(row("Ferry: webhook → Deployment Available", available));
  console.log(row("Ferry: webhook → job done (health proven, status + comment)", done));
  console.log(row("kubectl apply --server-side + rollout status", bare));
  console.log(`\nFerry p50 / kubectl p50 = ${ratio.toFixed(2)} (goal ≤ 1.5)`);
  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(
    join(here, "results", "deploy.json"),
    `${JSON.stringify({ pushes, objects: 20, ferryAvailableMs: available, ferryDoneMs: done, kubectlMs: bare, p50Ratio: ratio }, null, 2)}\n`,
  );
}

await main();
