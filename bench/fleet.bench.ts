// A fleet in one Git repository: BENCH_APPS plain-YAML apps (default 1,000) of 10 objects each
// (a Deployment, a Service, 8 ConfigMaps), each app in its own namespace. In one run:
//
//   Ferry, as it is deployed: `ferry serve` plus BENCH_WORKERS `ferry worker` processes, each
//   the compiled bin (dist/, which the bench builds first like `npm start`: the TypeScript
//   sources cost each process ≈ 30 MiB more, scripts/build.ts) (default "1"; "1,2,4" runs the fleet once per count, in fresh namespaces), one signed push
//   webhook naming every app; measured until `GET /api/apps` says every app is Synced and
//   Healthy at the pushed commit. Peak RSS of the Ferry process tree (receiver, workers and
//   their git/kubectl children, sampled every 250 ms), CPU seconds, and the API server's
//   request count (apiserver_request_total, all clients: the controllers' own requests are in
//   both sides' figures). Per app, from the workers' /metrics and Redis: Ferry's own API
//   requests (ferry_kube_requests_total, by verb), tool runs (ferry_tool_runs_total: git, and
//   helm/kustomize when rendering) and Redis commands (INFO stats) — counts that do not move with
//   the machine's load, unlike the times. BENCH_SYNC_CONCURRENCY sets workers.concurrency.sync.
//   Steady state: the same processes left running for BENCH_STEADY_SECONDS (default 600):
//   API requests per minute and Ferry CPU, against the same window with Ferry stopped
//   (BENCH_BASELINE_SECONDS, default 60: what the control plane does by itself).
//   The reference: `kubectl apply --server-side` of the same directories, one kubectl per app
//   (BENCH_KUBECTL_PARALLEL at once, default 8) and one kubectl for all of them, each until its
//   apply returned and until every Deployment is Available.
//
// The control plane must run its controllers at realistic client QPS (`ferry cluster up` and
// startLocalCluster do: --kube-api-qps=300 --kube-api-burst=600). BENCH_KUBECONFIG reuses a
// running one; otherwise a private one is started and stopped. Smoke: BENCH_APPS=20
// BENCH_STEADY_SECONDS=30 BENCH_BASELINE_SECONDS=10.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { startPrivateRedis } from "../src/cli/up/redis.ts";
import { toolPath } from "../src/render/binaries.ts";
import { NODE_FLAGS } from "../src/runtime/node-flags.ts";
import { build, compiledPath } from "../scripts/build.ts";
import { benchCluster } from "./cluster.ts";
import { createRepo, type TestRepo } from "../test/support/git.ts";
import { freePort } from "../test/support/ports.ts";
import { signGithub } from "../test/support/sign.ts";

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const apps = Number(process.env.BENCH_APPS ?? 1000);
// "up" (counted as 0 workers): one `ferry up --config` process, receiver and worker in one.
const workerCounts = (process.env.BENCH_WORKERS ?? "1")
  .split(",")
  .map((count) => (count.trim() === "up" ? 0 : Number(count)));
/** How a run's Ferry is called in the tables. */
const runName = (workers: number) =>
  workers === 0 ? "one `ferry up` process" : `${workers} worker process${workers > 1 ? "es" : ""}`;
const steadySeconds = Number(process.env.BENCH_STEADY_SECONDS ?? 600);
const baselineSeconds = Number(process.env.BENCH_BASELINE_SECONDS ?? 60);
const kubectlParallel = Number(process.env.BENCH_KUBECTL_PARALLEL ?? 8);
const syncConcurrency = process.env.BENCH_SYNC_CONCURRENCY
  ? Number(process.env.BENCH_SYNC_CONCURRENCY)
  : undefined;
const timeoutMs = Number(process.env.BENCH_TIMEOUT_SECONDS ?? 3600) * 1000;
const secret = "bench-fleet-secret";
const TICKS_PER_SECOND = 100;

const appName = (i: number) => `app-${String(i).padStart(4, "0")}`;

/** The 10 objects of one app; `namespace` only for the kubectl reference (Ferry sets its own). */
function manifests(i: number, namespace?: string): Record<string, string> {
  const ns = namespace ? `, namespace: ${namespace}` : "";
  const files: Record<string, string> = {
    "deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: { name: web${ns}, labels: { fleet: bench } }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [ { name: web, image: "nginx:1.27" } ] }
`,
    "service.yaml": `apiVersion: v1
kind: Service
metadata: { name: web${ns} }
spec: { selector: { app: web }, ports: [ { port: 80 } ] }
`,
  };
  for (let c = 0; c < 8; c++)
    files[`config-${c}.yaml`] =
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: config-${c}${ns} }\ndata: { app: "${appName(i)}", index: "${c}" }\n`;
  return files;
}

async function kubectl(kubeconfig: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(toolPath("kubectl"), ["--kubeconfig", kubeconfig, ...args], {
    maxBuffer: 256 << 20,
  });
  return stdout;
}

/** apiserver_request_total summed over every label: all requests the API server answered. */
async function apiRequests(kubeconfig: string): Promise<number> {
  const metrics = await kubectl(kubeconfig, "get", "--raw", "/metrics");
  let total = 0;
  for (const line of metrics.split("\n")) {
    if (!line.startsWith("apiserver_request_total{")) continue;
    total += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return total;
}

/** Namespaces (of `prefix`) whose Deployment `web` is Available. */
async function availableCount(kubeconfig: string, prefix: string): Promise<number> {
  const listed = JSON.parse(
    await kubectl(kubeconfig, "get", "deployments", "-A", "-l", "fleet=bench", "-o", "json"),
  ) as { items: { metadata: { namespace: string }; status?: { availableReplicas?: number } }[] };
  return listed.items.filter(
    (item) => item.metadata.namespace.startsWith(prefix) && (item.status?.availableReplicas ?? 0) >= 1,
  ).length;
}

async function until(check: () => Promise<boolean>, intervalMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pids of `roots` and all their descendants, from /proc. */
function processTree(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while listing
    }
  }
  const tree: number[] = [];
  const pending = [...roots];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** A field of /proc/<pid>/<file> in kB ("VmRSS" of status, "Pss" of smaps_rollup), in bytes. */
function procKb(pid: number, file: string, field: string): number {
  try {
    const line = readFileSync(`/proc/${pid}/${file}`, "utf8")
      .split("\n")
      .find((entry) => entry.startsWith(`${field}:`));
    return Number(line?.split(/\s+/)[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

const rssBytes = (pid: number) => procKb(pid, "status", "VmRSS");
/**
 * Proportional set size: each page shared by several processes counted once over all of them.
 * Summed RSS counts the node binary's pages (≈ 56 MiB) once per Ferry process, and a child
 * forked by a worker, before it execs git, shows much of the worker's memory as its own.
 */
const pssBytes = (pid: number) => procKb(pid, "smaps_rollup", "Pss");

/** CPU seconds of the processes themselves and of their children they waited for. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime, stime, cutime, cstime are fields 14–17 of stat, 12–15 after the command.
      for (const index of [11, 12, 13, 14]) ticks += Number(fields[index] ?? 0);
    } catch {
      // ended
    }
  }
  return ticks / TICKS_PER_SECOND;
}

/**
 * Samples the RSS of the whole tree under `roots` until stopped: the peak of the total, and the
 * peaks of each root process alone and of all their descendants (git, kubectl, helm, threads
 * are inside their process) — which part of the tree holds the memory; and the peak of the
 * tree's summed PSS (shared pages counted once).
 */
function peakRss(roots: () => number[]): {
  stop: () => { total: number; pss: number; roots: number[]; children: number };
} {
  let peak = 0;
  let pssPeak = 0;
  let childrenPeak = 0;
  const rootPeaks: number[] = [];
  const timer = setInterval(() => {
    const rootPids = roots();
    const tree = processTree(rootPids);
    let total = 0;
    let pss = 0;
    let children = 0;
    for (const pid of tree) {
      const rss = rssBytes(pid);
      total += rss;
      pss += pssBytes(pid);
      const index = rootPids.indexOf(pid);
      if (index >= 0) rootPeaks[index] = Math.max(rootPeaks[index] ?? 0, rss);
      else children += rss;
    }
    peak = Math.max(peak, total);
    pssPeak = Math.max(pssPeak, pss);
    childrenPeak = Math.max(childrenPeak, children);
  }, 250);
  return {
    stop: () => {
      clearInterval(timer);
      return { total: peak, pss: pssPeak, roots: rootPeaks, children: childrenPeak };
    },
  };
}

/** Commands Redis has processed since it started (every client). */
async function redisCommands(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true });
  try {
    await client.connect();
    const stats = await client.info("stats");
    return Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? 0);
  } finally {
    client.disconnect();
  }
}

/**
 * Ferry's own call counts, summed over the workers' /metrics: by "kube <verb>" and "tool <name>";
 * and "phase <name>": seconds the deploys spent in each phase (ferry_deploy_phase_seconds_sum).
 */
async function callCounts(ports: number[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const add = (key: string, value: number) => counts.set(key, (counts.get(key) ?? 0) + value);
  for (const port of ports) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    for (const match of text.matchAll(/^ferry_(kube_requests|tool_runs)_total\{\w+="([^"]+)"\} (\d+)/gm))
      add(`${match[1] === "kube_requests" ? "kube" : "tool"} ${match[2]}`, Number(match[3]));
    for (const match of text.matchAll(/^ferry_deploy_phase_seconds_sum\{[^}]*phase="([^"]+)"[^}]*\} (\S+)/gm))
      add(`phase ${match[1]}`, Number(match[2]));
  }
  return counts;
}

function difference(after: Map<string, number>, before: Map<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [key, count] of after)
    if (count - (before.get(key) ?? 0) > 0) result[key] = count - (before.get(key) ?? 0);
  return result;
}

interface FerryRun {
  workers: number;
  /** Ferry's own requests and tool runs during the first deploy, by "kube <verb>" / "tool <name>". */
  calls: Record<string, number>;
  redisCommands: number;
  steadyCalls: Record<string, number>;
  steadyRedisCommandsPerMin: number;
  firstDeployS: number;
  peakRssMiB: number;
  /** Peak of the tree's summed proportional set size (pages shared between processes once), MiB. */
  peakPssMiB: number;
  /** Peak RSS of the receiver, each worker (alone) and of their child processes, MiB. */
  peakRssPartsMiB: { receiver: number; workers: number[]; children: number };
  cpuS: number;
  apiRequests: number;
  steadyRequestsPerMin: number;
  steadyCpuPercent: number;
}

interface Ferry {
  port: number;
  metricsPorts: number[];
  processes: ChildProcess[];
  stop: () => Promise<void>;
}

/** Workers 0: one `ferry up` process, whose receiver port serves /metrics of both parts. */
function startFerry(
  configFile: string,
  metricsPorts: number[],
  port: number,
  logDir: string,
  workers: number,
): Ferry {
  const env = { ...process.env, FERRY_STATE_KEY: randomBytes(32).toString("base64") };
  const start = (name: string, args: string[]) => {
    const output = openSync(join(logDir, `${name}.log`), "a");
    // With the flags the image and the bin run Ferry with (as deployed).
    // BENCH_PROFILE_DIR: each process writes a V8 CPU profile there when it stops (where the
    // time goes; open in Chrome's DevTools).
    const profile = process.env.BENCH_PROFILE_DIR
      ? [
          "--cpu-prof",
          `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`,
          `--cpu-prof-name=${name}.cpuprofile`,
        ]
      : [];
    // BENCH_MEMORY_DIR: each process logs its memory by V8 heap space there (bench/memory-probe.js).
    const memory = process.env.BENCH_MEMORY_DIR ? ["--import", join(here, "memory-probe.js")] : [];
    // BENCH_NODE_FLAGS: extra flags to try (space-separated), after Ferry's own.
    const extra = process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? [];
    const child = spawn(
      process.execPath,
      [...NODE_FLAGS, ...extra, ...profile, ...memory, join(root, compiledPath("src/cli/main.ts")), ...args],
      // Ferry logs JSON lines to stdout; both streams go to the part's log file.
      { env, stdio: ["ignore", output, output] },
    );
    closeSync(output);
    return child;
  };
  const processes =
    workers === 0
      ? [start("up", ["up", "--config", configFile])]
      : [
          start("receiver", ["serve", "--config", configFile]),
          ...metricsPorts.map((metricsPort, w) =>
            start(`worker-${w}`, ["worker", "--config", configFile, "--http-port", String(metricsPort)]),
          ),
        ];
  return {
    port,
    metricsPorts,
    processes,
    stop: async () => {
      await Promise.all(
        processes.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}

interface Overview {
  name: string;
  sync: string;
  health: string;
  revision?: string;
}

async function fleetDone(port: number, sha: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/api/apps`).catch(() => undefined);
  if (!response?.ok) return -1;
  const { apps: overviews } = (await response.json()) as { apps: Overview[] };
  return overviews.filter((app) => app.sync === "Synced" && app.health === "Healthy" && app.revision === sha)
    .length;
}

async function pushWebhook(port: number, sha: string): Promise<void> {
  const body = JSON.stringify({
    ref: "refs/heads/main",
    before: "0".repeat(40),
    after: sha,
    created: true,
    deleted: false,
    forced: false,
    repository: { full_name: "acme/fleet", name: "fleet", owner: { login: "acme" } },
    commits: [
      {
        id: sha,
        added: Array.from({ length: apps }, (_, i) => `apps/${appName(i)}/deployment.yaml`),
        modified: [],
        removed: [],
      },
    ],
    pusher: { name: "bench" },
  });
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
  if (response.status !== 202)
    throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
}

async function ferryRun(
  context: { kubeconfig: string; redisUrl: string; repo: TestRepo; sha: string; workDir: string },
  workers: number,
): Promise<FerryRun> {
  const suffix = randomUUID().slice(0, 6);
  const nsPrefix = `fleet-w${workers}-${suffix}-`;
  const port = await freePort();
  const configFile = join(context.workDir, `ferry-w${workers}.yaml`);
  // JSON is YAML: a ferry.yaml with one app per directory. No forge token: feedback is logged
  // and dropped (src/forges/offline.ts), so the forge's write spacing does not pace the fleet.
  writeFileSync(
    configFile,
    JSON.stringify({
      redis: { url: context.redisUrl, prefix: `fleet-${suffix}` },
      server: { port, host: "127.0.0.1" },
      workDir: join(context.workDir, `ferry-w${workers}`),
      forges: [{ name: "github", type: "github", webhookSecret: secret }],
      clusters: [{ name: "local", kubeconfig: context.kubeconfig }],
      ...(syncConcurrency ? { workers: { concurrency: { sync: syncConcurrency } } } : {}),
      apps: Array.from({ length: apps }, (_, i) => ({
        name: appName(i),
        forge: "github",
        repo: "acme/fleet",
        repoUrl: context.repo.dir,
        path: `apps/${appName(i)}`,
        destination: { cluster: "local", namespace: `${nsPrefix}${i}`, createNamespace: true },
        sync: { healthTimeout: "600s" },
      })),
    }),
  );
  // BENCH_LOG_DIR keeps the processes' logs after the run (the work directory is removed).
  const logDir = join(process.env.BENCH_LOG_DIR ?? context.workDir, `logs-w${workers}`);
  mkdirSync(logDir, { recursive: true });
  const metricsPorts: number[] = workers === 0 ? [port] : [];
  for (let w = 0; w < workers; w++) metricsPorts.push(await freePort());
  const ferry = startFerry(configFile, metricsPorts, port, logDir, workers);
  const pids = () => ferry.processes.map((child) => child.pid ?? 0).filter(Boolean);
  try {
    await until(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok === true,
    );
    for (const metricsPort of metricsPorts)
      await until(
        async () =>
          (await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined))?.ok === true,
      );
    const rss = peakRss(pids);
    const callsBefore = await callCounts(metricsPorts);
    const redisBefore = await redisCommands(context.redisUrl);
    const requestsBefore = await apiRequests(context.kubeconfig);
    const cpuBefore = cpuSeconds(pids());
    const started = performance.now();
    await pushWebhook(port, context.sha);
    let done = 0;
    await until(async () => {
      done = await fleetDone(port, context.sha);
      return done === apps;
    }, 1000);
    const firstDeployS = (performance.now() - started) / 1000;
    const cpuS = cpuSeconds(pids()) - cpuBefore;
    const requests = (await apiRequests(context.kubeconfig)) - requestsBefore;
    const peak = rss.stop();
    const callsAfter = await callCounts(metricsPorts);
    const redisAfter = await redisCommands(context.redisUrl);
    console.error(`ferry (${runName(workers)}): fleet Synced and Healthy after ${firstDeployS.toFixed(1)} s`);

    const steadyRequestsBefore = await apiRequests(context.kubeconfig);
    const steadyCpuBefore = cpuSeconds(pids());
    await sleep(steadySeconds * 1000);
    const steadyRequests = (await apiRequests(context.kubeconfig)) - steadyRequestsBefore;
    const steadyCpu = cpuSeconds(pids()) - steadyCpuBefore;
    const steadyCalls = difference(await callCounts(metricsPorts), callsAfter);
    const steadyRedis = (await redisCommands(context.redisUrl)) - redisAfter;
    return {
      workers,
      calls: difference(callsAfter, callsBefore),
      redisCommands: redisAfter - redisBefore,
      steadyCalls,
      steadyRedisCommandsPerMin: steadyRedis / (steadySeconds / 60),
      firstDeployS,
      peakRssMiB: peak.total / (1 << 20),
      peakPssMiB: peak.pss / (1 << 20),
      peakRssPartsMiB: {
        receiver: (peak.roots[0] ?? 0) / (1 << 20),
        workers: peak.roots.slice(1).map((bytes) => bytes / (1 << 20)),
        children: peak.children / (1 << 20),
      },
      cpuS,
      apiRequests: requests,
      steadyRequestsPerMin: steadyRequests / (steadySeconds / 60),
      steadyCpuPercent: (steadyCpu / steadySeconds) * 100,
    };
  } finally {
    await ferry.stop();
  }
}

/** What the control plane does by itself (controllers, kwok): subtracted from Ferry's steady state. */
async function baselineRequestsPerMin(kubeconfig: string): Promise<number> {
  const before = await apiRequests(kubeconfig);
  await sleep(baselineSeconds * 1000);
  return ((await apiRequests(kubeconfig)) - before) / (baselineSeconds / 60);
}

interface ReferenceRun {
  name: string;
  applyS: number;
  availableS: number;
  apiRequests: number;
}

async function referenceRun(
  kubeconfig: string,
  workDir: string,
  mode: "per-app" | "all",
): Promise<ReferenceRun> {
  const nsPrefix = `fleet-${mode}-${randomUUID().slice(0, 6)}-`;
  const dir = join(workDir, `kubectl-${mode}`);
  for (let i = 0; i < apps; i++) {
    const appDir = join(dir, appName(i));
    mkdirSync(appDir, { recursive: true });
    // "0-" sorts the namespace first: kubectl applies a directory's files in name order.
    writeFileSync(
      join(appDir, "0-namespace.yaml"),
      `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${nsPrefix}${i} }\n`,
    );
    for (const [file, content] of Object.entries(manifests(i, `${nsPrefix}${i}`)))
      writeFileSync(join(appDir, file), content);
  }
  // --recursive: the one kubectl for all walks the app directories (each namespace file first).
  const apply = (path: string) =>
    kubectl(kubeconfig, "apply", "--server-side", "--field-manager", "bench", "--recursive", "-f", path);
  const requestsBefore = await apiRequests(kubeconfig);
  const started = performance.now();
  if (mode === "all") await apply(dir);
  else {
    let next = 0;
    await Promise.all(
      Array.from({ length: kubectlParallel }, async () => {
        while (next < apps) await apply(join(dir, appName(next++)));
      }),
    );
  }
  const applyS = (performance.now() - started) / 1000;
  await until(async () => (await availableCount(kubeconfig, nsPrefix)) === apps, 1000);
  const availableS = (performance.now() - started) / 1000;
  const requests = (await apiRequests(kubeconfig)) - requestsBefore;
  console.error(
    `kubectl ${mode}: applied after ${applyS.toFixed(1)} s, all Available after ${availableS.toFixed(1)} s`,
  );
  return {
    name: mode === "all" ? "one kubectl for all" : `one kubectl per app (${kubectlParallel} at once)`,
    applyS,
    availableS,
    apiRequests: requests,
  };
}

async function main(): Promise<void> {
  build();
  const redis = await startPrivateRedis();
  const control = await benchCluster();
  const workDir = mkdtempSync(join(tmpdir(), "ferry-bench-fleet-"));
  let repo: TestRepo | undefined;
  try {
    const files: Record<string, string> = {};
    for (let i = 0; i < apps; i++)
      for (const [file, content] of Object.entries(manifests(i)))
        files[`apps/${appName(i)}/${file}`] = content;
    repo = await createRepo(files);
    const sha = await repo.head();
    const context = { kubeconfig: control.kubeconfig, redisUrl: redis.url, repo, sha, workDir };
    const ferry: FerryRun[] = [];
    for (const workers of workerCounts) ferry.push(await ferryRun(context, workers));
    const baseline = await baselineRequestsPerMin(control.kubeconfig);
    // BENCH_REFERENCE=off: Ferry only, for smoke runs that compare Ferry's per-app counts.
    const reference =
      process.env.BENCH_REFERENCE === "off"
        ? []
        : [
            await referenceRun(control.kubeconfig, workDir, "per-app"),
            await referenceRun(control.kubeconfig, workDir, "all"),
          ];
    report(ferry, reference, baseline);
  } finally {
    await repo?.cleanup();
    rmSync(workDir, { recursive: true, force: true });
    await control.stop();
    await redis.stop();
  }
}

function report(ferry: FerryRun[], reference: ReferenceRun[], baseline: number): void {
  const best = Math.min(...reference.map((r) => r.availableS));
  console.log(
    `| ${apps} apps × 10 objects | until all Available / Synced+Healthy, s | apply returned, s | API requests | peak RSS MiB | CPU s |`,
  );
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const r of reference)
    console.log(
      `| kubectl apply --server-side, ${r.name} | ${r.availableS.toFixed(1)} | ${r.applyS.toFixed(1)} | ${r.apiRequests} | | |`,
    );
  for (const f of ferry)
    console.log(
      `| Ferry, ${runName(f.workers)} | ${f.firstDeployS.toFixed(1)} | | ${f.apiRequests} | ${f.peakRssMiB.toFixed(0)} | ${f.cpuS.toFixed(1)} |`,
    );
  console.log(
    `\n| steady state over ${steadySeconds} s | API requests/min (control plane alone: ${baseline.toFixed(0)}) | Ferry above that | Ferry CPU % of a core |`,
  );
  console.log("|---|---:|---:|---:|");
  for (const f of ferry)
    console.log(
      `| Ferry, ${runName(f.workers)} | ${f.steadyRequestsPerMin.toFixed(0)} | ${(f.steadyRequestsPerMin - baseline).toFixed(0)} | ${f.steadyCpuPercent.toFixed(1)} |`,
    );
  for (const f of ferry) {
    const parts = f.peakRssPartsMiB;
    console.log(
      `\nPeak RSS, ${runName(f.workers)}: ${f.workers === 0 ? `the process ${parts.receiver.toFixed(0)} MiB` : `receiver ${parts.receiver.toFixed(0)} MiB, worker${parts.workers.length > 1 ? "s" : ""} ${parts.workers.map((mib) => mib.toFixed(0)).join(", ")} MiB`}, child processes ${parts.children.toFixed(0)} MiB (each part's own peak); tree ${f.peakRssMiB.toFixed(0)} MiB summed RSS, ${f.peakPssMiB.toFixed(0)} MiB summed PSS (shared pages once)`,
    );
  }
  const perApp = (calls: Record<string, number>, scale = 1) =>
    Object.entries(calls)
      .filter(([key]) => !key.startsWith("phase "))
      .map(([key, count]) => `${key} ${((count * scale) / apps).toFixed(2)}`)
      .join(", ");
  // Each app is deployed once in the first deploy: the sum over apps / apps is a deploy's mean.
  const phases = (calls: Record<string, number>) =>
    Object.entries(calls)
      .filter(([key]) => key.startsWith("phase "))
      .sort(([, a], [, b]) => b - a)
      .map(([key, seconds]) => `${key.slice("phase ".length)} ${(seconds / apps).toFixed(2)}`)
      .join(", ");
  console.log(`\nPer app, Ferry's own calls (first deploy; steady state per app per minute):`);
  for (const f of ferry)
    console.log(
      `- ${runName(f.workers)}: first deploy: ${perApp(f.calls)}, redis ${(f.redisCommands / apps).toFixed(1)}; steady: ${perApp(f.steadyCalls, 60 / steadySeconds)}, redis ${(f.steadyRedisCommandsPerMin / apps).toFixed(2)}`,
    );
  console.log(`\nMean seconds of one app's first deploy, by phase (ferry_deploy_phase_seconds):`);
  for (const f of ferry) console.log(`- ${runName(f.workers)}: ${phases(f.calls)}`);
  if (reference.length > 0)
    for (const f of ferry)
      console.log(
        `\nFerry (${runName(f.workers)}) first deploy / best kubectl all-Available = ${(f.firstDeployS / best).toFixed(2)} (goal ≤ 1.5); peak RSS ${f.peakRssMiB.toFixed(0)} MiB (goal ≤ 300)`,
      );
  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(
    join(here, "results", "fleet.json"),
    `${JSON.stringify({ apps, objectsPerApp: 10, steadySeconds, baselineRequestsPerMin: baseline, ferry, reference }, null, 2)}\n`,
  );
}

await main();
