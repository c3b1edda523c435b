// Drift detection at scale: N apps × 10 objects on the test control plane.
// - Full drift sweep (src/reconcile/drift.ts over every app) in a child process, so its peak
//   RSS is the sweep's own: wall time, API requests, drifted objects found. Twice: the default
//   ("suspects": dry-run only objects whose live copy differs) and "always" (dry-run all).
// - Reference in the same run: `kubectl diff --server-side` over the same apps, one kubectl
//   per app in a shell loop (discovery cache shared, as for a user), requests counted from -v=6.
// - Watch path: latency from a merge patch by another field manager to the app's status
//   showing the drift (watch → debounce → reconcile job → drift check → status), p50/p95.
// BENCH_APPS (default 300), BENCH_CHANGES (default 20), BENCH_CONCURRENCY (default 8).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "bullmq";
import * as yaml from "js-yaml";
import { Registry } from "prom-client";
import { queuePrefix } from "../src/keys.ts";
import { appSchema, type AppConfig } from "../src/config/schema.ts";
import { createKubeClient } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/kubeconfig.ts";
import { send } from "../src/kube/request.ts";
import {
  APP_LABEL,
  TRACKING_ANNOTATION,
  trackingId,
  type KubeClient,
  type KubeObject,
} from "../src/kube/types.ts";
import { createLogger } from "../src/observability/logger.ts";
import { createRedis } from "../src/queue/connection.ts";
import { createEnqueuer } from "../src/queue/enqueue.ts";
import { queueNames } from "../src/queue/types.ts";
import { detectDrift } from "../src/reconcile/drift.ts";
import { reconcileMetrics } from "../src/reconcile/metrics.ts";
import { processReconcileJob } from "../src/reconcile/process.ts";
import { readAppStatus } from "../src/reconcile/status.ts";
import { createRedisAppliedStateStore } from "../src/reconcile/store.ts";
import { startWatcher } from "../src/reconcile/watcher.ts";
import { toolPath } from "../src/render/binaries.ts";
import { startTestCluster } from "../test/support/cluster.ts";
import { startRedis } from "../test/support/redis.ts";
import { percentile } from "./stats.ts";

const here = dirname(fileURLToPath(import.meta.url));
const apps = Number(process.env.BENCH_APPS ?? 300);
const changes = Number(process.env.BENCH_CHANGES ?? 20);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const driftEvery = 20;

const appName = (i: number) => `app-${String(i).padStart(3, "0")}`;
const appOf = (i: number): AppConfig =>
  appSchema.parse({
    name: appName(i),
    forge: "github",
    repo: "acme/deploy",
    destination: { cluster: "bench", namespace: appName(i) },
    sync: { selfHeal: false },
  });

function stamp(app: string, object: KubeObject): KubeObject {
  const labels = { ...object.metadata.labels, [APP_LABEL]: app };
  const stamped = { ...object, metadata: { ...object.metadata, labels } };
  stamped.metadata.annotations = { [TRACKING_ANNOTATION]: trackingId(app, stamped) };
  return stamped;
}

/** 10 objects: a Deployment, a Service, a ServiceAccount and 7 ConfigMaps. */
function manifests(i: number): KubeObject[] {
  const ns = appName(i);
  const meta = (name: string) => ({ name, namespace: ns });
  const objects: KubeObject[] = [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta("web"),
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "web" } },
        template: {
          metadata: { labels: { app: "web" } },
          spec: { containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta("web"),
      spec: { selector: { app: "web" }, ports: [{ port: 80 }] },
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta("web") },
  ];
  for (let c = 0; c < 7; c++) {
    objects.push({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(`cfg-${c}`),
      data: { key: `value-${c}`, app: ns },
    });
  }
  return objects.map((object) => stamp(ns, object));
}

async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

function counting(kube: KubeClient): { client: KubeClient; requests: () => number } {
  let requests = 0;
  const client: KubeClient = {
    resource: (apiVersion, kind) => kube.resource(apiVersion, kind),
    apply: (object, options) => (requests++, kube.apply(object, options)),
    get: (ref) => (requests++, kube.get(ref)),
    delete: (ref, options) => (requests++, kube.delete(ref, options)),
    list: (kinds, options) => ((requests += kinds.length), kube.list(kinds, options)),
  };
  return { client, requests: () => requests };
}

interface SweepResult {
  mode: string;
  ms: number;
  requests: number;
  drifted: number;
  maxRssMb: number;
  /** RSS before the sweep: Node and this file's imports, not the sweep. */
  baselineRssMb: number;
}

async function sweepChild(): Promise<void> {
  const kc = loadKubeConfig({
    name: "bench",
    kubeconfig: process.env.BENCH_KUBECONFIG ?? "",
    inCluster: false,
  });
  const redis = createRedis(process.env.BENCH_REDIS ?? "", "worker");
  const store = createRedisAppliedStateStore(redis, process.env.BENCH_PREFIX ?? "");
  const { client, requests } = counting(createKubeClient(kc));
  const mode = process.env.BENCH_MODE === "always" ? "always" : "suspects";
  // Discovery once up front, as a long-running worker has it cached.
  for (const [apiVersion, kind] of [
    ["apps/v1", "Deployment"],
    ["v1", "ConfigMap"],
  ] as const)
    await client.resource(apiVersion, kind);
  let drifted = 0;
  const baselineRssMb = process.memoryUsage().rss / (1 << 20);
  const started = performance.now();
  await pool(
    Array.from({ length: apps }, (_, i) => i),
    concurrency,
    async (i) => {
      const applied = await store.lastApplied(appName(i));
      if (!applied || applied === "refused") throw new Error(`no applied state for ${appName(i)}`);
      const result = await detectDrift({
        kube: client,
        app: appOf(i),
        revision: applied.revision,
        desired: applied.objects,
        dryRun: mode,
      });
      drifted += result.report.drifted.length;
    },
  );
  const ms = performance.now() - started;
  const result: SweepResult = {
    mode,
    ms,
    requests: requests(),
    drifted,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    baselineRssMb,
  };
  console.log(JSON.stringify(result));
  await redis.quit();
}

function runSweep(env: NodeJS.ProcessEnv, mode: string): Promise<SweepResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "sweep"], {
      env: { ...env, BENCH_MODE: mode },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.on("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split("\n").pop() ?? "{}") as SweepResult)
        : reject(new Error(`sweep exited ${code}`)),
    );
  });
}

function kubectlLoop(kubeconfig: string, dir: string): { ms: number; requests: number } {
  const log = join(dir, "kubectl.log");
  const script = `for f in "$1"/apps/*.yaml; do "$2" diff --server-side --force-conflicts --field-manager=ferry -v=6 -f "$f" >/dev/null 2>>"$3"; done; true`;
  const started = performance.now();
  const result = spawnSync("sh", ["-c", script, "loop", dir, toolPath("kubectl"), log], {
    env: { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dir, "kube-cache") },
    stdio: "inherit",
  });
  const ms = performance.now() - started;
  if (result.status !== 0) throw new Error("kubectl loop failed");
  const text = spawnSync("cat", [log], { encoding: "utf8", maxBuffer: 1 << 28 }).stdout;
  const requests = text
    .split("\n")
    .filter((line) => /verb="|\] (GET|PATCH|POST|PUT|DELETE) https?:/.test(line)).length;
  return { ms, requests };
}

async function until(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function main(): Promise<void> {
  const [redisServer, cluster] = await Promise.all([startRedis(), startTestCluster()]);
  const dir = mkdtempSync(join(tmpdir(), "ferry-drift-bench-"));
  const prefix = `b${randomBytes(4).toString("hex")}`;
  const redis = createRedis(redisServer.url, "worker");
  try {
    const kc = loadKubeConfig({ name: "bench", kubeconfig: cluster.kubeconfig, inCluster: false });
    const kube = createKubeClient(kc);
    const store = createRedisAppliedStateStore(redis, prefix);
    const configs = Array.from({ length: apps }, (_, i) => appOf(i));

    const setupStart = performance.now();
    mkdirSync(join(dir, "apps"));
    await pool(
      Array.from({ length: apps }, (_, i) => i),
      concurrency,
      async (i) => {
        await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: appName(i) } });
        const objects = manifests(i);
        for (const object of objects) await kube.apply(object, { force: true });
        await store.recordApplied(appName(i), "f".repeat(40), objects);
        writeFileSync(
          join(dir, "apps", `${appName(i)}.yaml`),
          objects.map((o) => yaml.dump(o)).join("---\n"),
        );
      },
    );
    // Known drift: one ConfigMap edited by hand in every 20th app.
    for (let i = 0; i < apps; i += driftEvery) {
      await send(kc, {
        method: "PATCH",
        path: `/api/v1/namespaces/${appName(i)}/configmaps/cfg-0`,
        query: { fieldManager: "kubectl-edit" },
        contentType: "application/merge-patch+json",
        body: { data: { key: "edited" } },
      });
    }
    const expected = Math.ceil(apps / driftEvery);
    console.error(
      `set-up: ${apps} apps × 10 objects in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`,
    );

    const env = {
      ...process.env,
      BENCH_KUBECONFIG: cluster.kubeconfig,
      BENCH_REDIS: redisServer.url,
      BENCH_PREFIX: prefix,
    };
    const suspects = await runSweep(env, "suspects");
    const always = await runSweep(env, "always");
    const kubectl = kubectlLoop(cluster.kubeconfig, dir);

    // Watch latency.
    const logger = createLogger({ level: "warn" });
    const enqueuer = createEnqueuer(redis, { prefix });
    const deps = {
      apps: () => configs,
      redis,
      prefix,
      logger,
      git: { headOf: () => Promise.reject(new Error("no polls in this benchmark")) },
      location: (app: AppConfig) => ({ repo: app.repo, url: "" }),
      kube: () => kube,
      enqueuer,
      store,
      metrics: reconcileMetrics(new Registry()),
    };
    const worker = new Worker(queueNames.reconcile, (job) => processReconcileJob(job.data, deps), {
      connection: createRedis(redisServer.url, "worker"),
      prefix: queuePrefix(prefix),
      concurrency: 4,
    });
    worker.on("failed", (job, error) =>
      console.error(
        `reconcile ${String((job?.data as { app?: string } | undefined)?.app)} failed: ${error.message}`,
      ),
    );
    const triggered: string[] = [];
    const watcher = startWatcher({
      ...deps,
      kubeConfig: () => kc,
      queue: enqueuer.queues.reconcile,
      onTrigger: (app) => triggered.push(app),
    });
    await until(() => Promise.resolve(watcher.isWatching()), 120_000);
    const latencies: number[] = [];
    for (let k = 0; k < changes; k++) {
      // Apps with the known ConfigMap drift would never turn Synced again: skip them.
      const candidate = (k * 7 + 1) % apps;
      const i = candidate % driftEvery === 0 ? candidate + 1 : candidate;
      const app = appName(i);
      const before = Date.now();
      await send(kc, {
        method: "PATCH",
        path: `/apis/apps/v1/namespaces/${app}/deployments/web`,
        query: { fieldManager: "kubectl-edit" },
        contentType: "application/merge-patch+json",
        body: { spec: { replicas: 2 + (k % 3) } },
      });
      const patched = performance.now();
      await until(async () => {
        const status = await readAppStatus(redis, app, prefix);
        return status?.status === "OutOfSync" && Date.parse(status.checkedAt) >= before;
      }).catch((error: unknown) => {
        console.error(`change ${k} (${app}) not seen; triggered so far: ${triggered.join(", ")}`);
        throw error;
      });
      latencies.push(performance.now() - patched);
      const deployment = manifests(i)[0] as KubeObject;
      await kube.apply(deployment, { force: true });
      await until(async () => (await readAppStatus(redis, app, prefix))?.status === "Synced");
    }
    await watcher.stop();
    await worker.close();
    await enqueuer.close();

    const results = {
      apps,
      objects: apps * 10,
      expectedDrifted: expected,
      sweep: { suspects, always },
      kubectl,
      watch: {
        changes,
        p50Ms: percentile(latencies, 50),
        p95Ms: percentile(latencies, 95),
        latenciesMs: latencies,
      },
    };
    const s = (ms: number) => (ms / 1000).toFixed(1);
    console.log(
      `| Drift sweep, ${apps} apps × 10 objects | wall time | API requests | peak RSS (RSS before the sweep) | drifted found |`,
    );
    console.log("|---|---|---|---|---|");
    console.log(
      `| Ferry (dry-run suspects only, default) | ${s(suspects.ms)} s | ${suspects.requests} | ${suspects.maxRssMb.toFixed(0)} MB (${suspects.baselineRssMb.toFixed(0)} MB) | ${suspects.drifted}/${expected} |`,
    );
    console.log(
      `| Ferry (dry-run every object) | ${s(always.ms)} s | ${always.requests} | ${always.maxRssMb.toFixed(0)} MB (${always.baselineRssMb.toFixed(0)} MB) | ${always.drifted}/${expected} |`,
    );
    console.log(
      `| kubectl diff --server-side, one per app | ${s(kubectl.ms)} s | ${kubectl.requests} | n/a | — |`,
    );
    console.log("");
    console.log(`| Watch path (patch → status OutOfSync), ${changes} changes | p50 | p95 |`);
    console.log("|---|---|---|");
    console.log(
      `| Ferry watcher + reconcile worker | ${results.watch.p50Ms.toFixed(0)} ms | ${results.watch.p95Ms.toFixed(0)} ms |`,
    );
    mkdirSync(join(here, "results"), { recursive: true });
    writeFileSync(join(here, "results", "drift.json"), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await redis.quit().catch(() => undefined);
    await cluster.stop();
    await redisServer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "sweep") await sweepChild();
else await main();
process.exit(0);
