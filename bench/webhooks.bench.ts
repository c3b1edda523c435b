// Signed GitHub push webhooks per second and p99 latency: Ferry's receiver (`ferry serve`'s
// createApp, logging at its default level) against a bare reference (node:http + HMAC check +
// one BullMQ add per request), on the same private Redis, 32 connections.
// The servers run in child processes (this file re-invoked with a role) so that autocannon,
// in the parent, does not share their event loop. The machine is shared and noisy, so both
// servers are measured in alternating short phases (ferry, reference, reference, ferry, …)
// after a warm-up, and the figure to read is the median of the per-round ratios. CPU time per
// request (server process and redis-server, from /proc) is reported too: it is far less
// sensitive to other load than requests per second.
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { loadavg } from "node:os";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { Queue } from "bullmq";
import { pino } from "pino";
import { Registry, collectDefaultMetrics } from "prom-client";
import { parseConfig } from "../src/config/load.ts";
import { createApp } from "../src/http/app.ts";
import { listen } from "../src/http/server.ts";
import { createLogger } from "../src/observability/logger.ts";
import { createRedis } from "../src/queue/connection.ts";
import { createEnqueuer } from "../src/queue/enqueue.ts";
import { queueNames } from "../src/queue/types.ts";
import { startRedis } from "../test/support/redis.ts";

// autocannon ships no types: describe the part used here.
interface CannonRequest {
  method: string;
  body: string;
  setupRequest: (request: Record<string, unknown>) => Record<string, unknown>;
}
interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  requests: CannonRequest[];
}) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

const secret = "bench-secret";
const durationSeconds = Number(process.env.BENCH_SECONDS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = 32;
const body = JSON.stringify({
  ref: "refs/heads/main",
  before: "a".repeat(40),
  after: "b".repeat(40),
  created: false,
  deleted: false,
  forced: false,
  repository: { full_name: "acme/deploy" },
  pusher: { name: "bench" },
  commits: [{ added: [], modified: ["apps/web/deployment.yaml"], removed: [] }],
});
const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

async function serveFerry(redisUrl: string, prefix: string): Promise<number> {
  const config = parseConfig({
    redis: { url: redisUrl, prefix },
    forges: [{ name: "github", type: "github", webhookSecret: secret }],
    clusters: [{ name: "local", kubeconfig: "/dev/null" }],
    apps: [
      {
        name: "web",
        forge: "github",
        repo: "acme/deploy",
        path: "apps/web",
        destination: { cluster: "local", namespace: "web" },
      },
    ],
  });
  const redis = createRedis(redisUrl, "receiver");
  const enqueuer = createEnqueuer(redis, { prefix: config.redis.prefix });
  // `ferry serve`'s default level (info), to a real file descriptor as in production.
  const logger = createLogger({
    level: "info",
    // pino's own sync destination, like its default stdout one (the types lack `writable`).
    destination: pino.destination({ dest: "/dev/null", sync: true }) as unknown as NodeJS.WritableStream,
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry }); // as `ferry serve` does
  const app = createApp({ config, enqueuer, redis, logger, registry });
  const server = await listen(app, 0, "127.0.0.1");
  return (server.address() as AddressInfo).port;
}

/**
 * BENCH_REFERENCE=claim makes the reference claim the delivery id (SET NX) before its add, as
 * Ferry's dedupe must: it shows what the second sequential Redis round trip costs on its own.
 */
const referenceClaims = process.env.BENCH_REFERENCE === "claim";

async function serveReference(redisUrl: string, prefix: string): Promise<number> {
  // The same connection settings as Ferry's receiver.
  const connection = createRedis(redisUrl, "receiver");
  const queue = new Queue(queueNames.sync, { connection, prefix });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`);
      const given = Buffer.from(String(req.headers["x-hub-signature-256"] ?? ""));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401).end();
        return;
      }
      const payload = JSON.parse(raw.toString("utf8")) as { after: string };
      const deliveryId = String(req.headers["x-github-delivery"]);
      const claimed = referenceClaims
        ? connection.set(`${prefix}:delivery:${deliveryId}`, "pending", "EX", 60, "NX")
        : Promise.resolve("OK");
      claimed
        .then(() => queue.add("sync", { app: "web", reason: "webhook", sha: payload.after, deliveryId }))
        .then((job) => {
          res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ jobs: [job.id] }));
        })
        .catch(() => res.writeHead(503).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Child mode: start one server, print its port, live until killed. */
async function child(role: string, redisUrl: string, prefix: string): Promise<void> {
  const port = role === "ferry" ? await serveFerry(redisUrl, prefix) : await serveReference(redisUrl, prefix);
  process.once("SIGTERM", () => process.exit(0));
  process.stdout.write(`port=${port}\n`);
}

interface Server {
  role: string;
  port: number;
  process: ChildProcess;
}

/** BENCH_CPU_PROF=<dir>: each server child writes a V8 CPU profile there when it stops. */
const profileDir = process.env.BENCH_CPU_PROF;

/**
 * BENCH_COMPARE_TREE=<another checkout of Ferry>: the "reference" is that checkout's Ferry
 * receiver instead of the bare one, so two versions of the receiver are measured in the same
 * alternating phases (A/B of a change; compare the CPU per request, the ratio is this tree's).
 */
const compareTree = process.env.BENCH_COMPARE_TREE;

function startChild(role: string, redisUrl: string): Promise<Server> {
  const profile = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const [script, childRole] =
    role === "reference" && compareTree
      ? [join(compareTree, "bench", "webhooks.bench.ts"), "ferry"]
      : [fileURLToPath(import.meta.url), role];
  const proc = spawn(process.execPath, [...profile, script, childRole, redisUrl, `bench-${randomUUID()}`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    proc.stdout?.on("data", (chunk: Buffer) => {
      const port = /port=(\d+)/.exec(chunk.toString())?.[1];
      if (port) resolve({ role, port: Number(port), process: proc });
    });
    proc.once("exit", (code) => reject(new Error(`${role} server exited with ${code}`)));
  });
}

/** User + system CPU time of a process in ms, or undefined where /proc is not available. */
function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  } catch {
    return undefined;
  }
}

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU µs per request of the server process and of redis-server (undefined without /proc). */
  serverCpuUs?: number;
  redisCpuUs?: number;
}

let deliveryCounter = 0;

async function load(server: Server, seconds: number, redisPid: number | undefined): Promise<Figures> {
  const before = [cpuMs(server.process.pid), cpuMs(redisPid)];
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}/webhooks/github`,
    connections,
    duration: seconds,
    requests: [
      {
        method: "POST",
        body,
        setupRequest: (request) => ({
          ...request,
          headers: {
            "content-type": "application/json",
            "x-github-event": "push",
            "x-hub-signature-256": signature,
            "x-github-delivery": `bench-${process.pid}-${deliveryCounter++}`,
          },
        }),
      },
    ],
  });
  const after = [cpuMs(server.process.pid), cpuMs(redisPid)];
  const perRequest = (i: number) => {
    const [start, end] = [before[i], after[i]];
    if (start === undefined || end === undefined || result.requests.total === 0) return undefined;
    return Math.round(((end - start) * 1000) / result.requests.total);
  };
  return {
    requestsPerSecond: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    ...(perRequest(0) === undefined ? {} : { serverCpuUs: perRequest(0) }),
    ...(perRequest(1) === undefined ? {} : { redisCpuUs: perRequest(1) }),
  };
}

async function redisProcessId(url: string): Promise<number | undefined> {
  const client = createRedis(url, "worker");
  try {
    const pid = /process_id:(\d+)/.exec(await client.info("server"))?.[1];
    return pid === undefined ? undefined : Number(pid);
  } finally {
    client.disconnect();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const referenceName = () =>
  compareTree ? `Ferry of ${compareTree}` : referenceClaims ? "claim + add" : "add";
const cpu = (value: number | undefined) => (value === undefined ? "–" : String(value));
const load1 = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(" ");

async function main(): Promise<void> {
  const redis = await startRedis();
  const redisPid = await redisProcessId(redis.url);
  const [ferry, reference] = await Promise.all([
    startChild("ferry", redis.url),
    startChild("reference", redis.url),
  ]);
  const servers = [ferry, reference];
  try {
    const loadBefore = load1();
    console.log(
      `load average before: ${loadBefore} (${connections} connections, ${durationSeconds} s phases, reference: ${referenceName()})`,
    );
    await load(ferry, 1, redisPid); // warm-up: JIT, script loading, connections
    await load(reference, 1, redisPid);
    const results: { round: number; ferry: Figures; reference: Figures; ratio: number }[] = [];
    console.log(
      `\n| round | Ferry req/s | p50 / p99 ms | CPU µs/req (server + redis) | reference req/s | p50 / p99 ms | CPU µs/req (server + redis) | ratio |`,
    );
    console.log(`|---|---:|---:|---:|---:|---:|---:|---:|`);
    for (let round = 1; round <= rounds; round++) {
      // ABBA order, so a load change on the machine does not always favour the same server.
      const order = round % 2 === 1 ? [ferry, reference] : [reference, ferry];
      const figures: Record<string, Figures> = {};
      for (const server of order) figures[server.role] = await load(server, durationSeconds, redisPid);
      const [f, r] = [figures.ferry as Figures, figures.reference as Figures];
      const ratio = f.requestsPerSecond / r.requestsPerSecond;
      results.push({ round, ferry: f, reference: r, ratio });
      console.log(
        `| ${round} | ${f.requestsPerSecond} | ${f.p50Ms} / ${f.p99Ms} | ${cpu(f.serverCpuUs)} + ${cpu(f.redisCpuUs)} | ${r.requestsPerSecond} | ${r.p50Ms} / ${r.p99Ms} | ${cpu(r.serverCpuUs)} + ${cpu(r.redisCpuUs)} | ${ratio.toFixed(2)} |`,
      );
    }
    const loadAfter = load1();
    const ratio = median(results.map((result) => result.ratio));
    const ferryP99 = median(results.map((result) => result.ferry.p99Ms));
    const referenceP99 = median(results.map((result) => result.reference.p99Ms));
    // Server CPU per request, per round: far steadier than req/s on a shared machine.
    const cpuRatios = results.flatMap(({ ferry: f, reference: r }) =>
      f.serverCpuUs && r.serverCpuUs ? [f.serverCpuUs / r.serverCpuUs] : [],
    );
    console.log(`\nload average after: ${loadAfter}`);
    console.log(
      `median throughput ratio Ferry/reference: ${ratio.toFixed(2)} (goal ≥ 0.70); median p99 Ferry ${ferryP99} ms, reference ${referenceP99} ms (goal < 30 ms)`,
    );
    if (cpuRatios.length > 0) {
      console.log(`median server CPU µs/req ratio Ferry/reference: ${median(cpuRatios).toFixed(2)}`);
    }
    const out = join(dirname(fileURLToPath(import.meta.url)), "results", "webhooks.json");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          connections,
          durationSeconds,
          reference: referenceName(),
          loadAverage: { before: loadBefore, after: loadAfter },
          rounds: results,
          ratio,
          p99Ms: { ferry: ferryP99, reference: referenceP99 },
        },
        null,
        2,
      )}\n`,
    );
    if (results.some((result) => result.ferry.non2xx > 0 || result.reference.non2xx > 0))
      process.exitCode = 1;
  } finally {
    for (const server of servers) server.process.kill("SIGTERM");
    await redis.stop();
  }
}

const [role, redisUrl, prefix] = process.argv.slice(2);
if (role && redisUrl && prefix) await child(role, redisUrl, prefix);
else await main();
