// Signed GitHub push webhooks per second and p99 latency: Ferry's express app (`ferry serve`'s
// createApp) against a bare reference (node:http + HMAC check + one BullMQ add per request),
// in the same run, on the same private Redis, 32 connections, fixed duration each.
// The servers run in child processes (this file re-invoked with a role) so that autocannon,
// in the parent, does not share their event loop.
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { Queue } from "bullmq";
import { Registry } from "prom-client";
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
  requests: { average: number };
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
const durationSeconds = Number(process.env.BENCH_SECONDS ?? 8);
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
  const enqueuer = createEnqueuer(redis, { prefix });
  const logger = createLogger({ level: "warn" });
  const app = createApp({ config, enqueuer, redis, logger, registry: new Registry() });
  const server = await listen(app, 0, "127.0.0.1");
  return (server.address() as AddressInfo).port;
}

async function serveReference(redisUrl: string, prefix: string): Promise<number> {
  const queue = new Queue(queueNames.sync, { connection: createRedis(redisUrl, "receiver"), prefix });
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
      queue
        .add("sync", {
          app: "web",
          reason: "webhook",
          sha: payload.after,
          deliveryId: String(req.headers["x-github-delivery"]),
        })
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

function startChild(role: string, redisUrl: string): Promise<{ port: number; process: ChildProcess }> {
  const proc = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), role, redisUrl, `bench-${randomUUID()}`],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    proc.stdout?.on("data", (chunk: Buffer) => {
      const port = /port=(\d+)/.exec(chunk.toString())?.[1];
      if (port) resolve({ port: Number(port), process: proc });
    });
    proc.once("exit", (code) => reject(new Error(`${role} server exited with ${code}`)));
  });
}

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(port: number): Promise<Figures> {
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}/webhooks/github`,
    connections,
    duration: durationSeconds,
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
            "x-github-delivery": `bench-${process.pid}-${n++}`,
          },
        }),
      },
    ],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function measure(role: string, redisUrl: string): Promise<Figures> {
  const server = await startChild(role, redisUrl);
  try {
    return await load(server.port);
  } finally {
    server.process.kill("SIGTERM");
  }
}

async function main(): Promise<void> {
  const redis = await startRedis();
  try {
    const ferry = await measure("ferry", redis.url);
    const reference = await measure("reference", redis.url);
    const ratio = ferry.requestsPerSecond / reference.requestsPerSecond;
    console.log(`| server | req/s | p50 ms | p99 ms | non-2xx | errors |`);
    console.log(`|---|---:|---:|---:|---:|---:|`);
    for (const [name, f] of [
      ["Ferry (express app)", ferry],
      ["reference (node:http + HMAC + BullMQ add)", reference],
    ] as const) {
      console.log(
        `| ${name} | ${f.requestsPerSecond.toFixed(0)} | ${f.p50Ms} | ${f.p99Ms} | ${f.non2xx} | ${f.errors} |`,
      );
    }
    console.log(
      `\nthroughput ratio Ferry/reference: ${ratio.toFixed(2)} (goal ≥ 0.70); Ferry p99 ${ferry.p99Ms} ms (goal < 30 ms)`,
    );
    const out = join(dirname(fileURLToPath(import.meta.url)), "results", "webhooks.json");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), connections, durationSeconds, ferry, reference, ratio }, null, 2)}\n`,
    );
    if (ferry.non2xx > 0 || reference.non2xx > 0) process.exitCode = 1;
  } finally {
    await redis.stop();
  }
}

const [role, redisUrl, prefix] = process.argv.slice(2);
if (role && redisUrl && prefix) await child(role, redisUrl, prefix);
else await main();
