// What the receiver (`ferry serve`) spends to answer `GET /api/apps` for a fleet (issue 17 item
// 4): the fleet bench polls it about once a second until every app is Synced and Healthy, and
// the web UI and `ferry status` read the same overviews. BENCH_APPS (default 1,000) generated
// apps with a running fleet's state in a private Redis (test/support/ui-state.ts seedFleetState:
// BENCH_RECORDS deployment records each, default 8, healthy mark, reconcile status, and one app
// in 50 each locked, paused and skipping a rolled-back revision).
//
// Two servers, each in its own child process started with Ferry's V8 flags (NODE_FLAGS):
// - Ferry: startReceiver, as `ferry serve` runs it (receiver Redis connection, default metrics);
// - the plain reference: a bare node:http server that reads the same keys of every app in one
//   pipeline (LRANGE of the 5 shown records, HMGET + HEXISTS of the healthy mark, GET of status,
//   bad revision and pause, EXISTS of the lock) and answers the raw replies as JSON: the floor of
//   any server that shows these apps from this Redis.
// Each is measured for BENCH_SECONDS (default 20) paced at one request a second (as the fleet
// bench polls), then for as long back to back (one request after another), in the order Ferry,
// reference, reference, Ferry so a change of the machine's load does not favour one. Per phase:
// the child's peak RSS (sampled from /proc every 50 ms), its CPU ms per request (/proc), p50 and
// max latency, and, from inside the child, the peaks of process.memoryUsage() and of V8's heap
// spaces (which part of the RSS is live heap, young generation, code). BENCH_NODE_FLAGS adds V8
// flags to both children. Results in bench/results/api-apps.json.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { getHeapSpaceStatistics } from "node:v8";
// Only what the bare reference needs is imported here: each role imports its own modules, so
// the reference child does not carry Ferry's code and its RSS is a bare server's.
import { deployLockKey, reconcileKey, syncKey } from "../src/keys.ts";
import { createRedis } from "../src/queue/connection.ts";
import { NODE_FLAGS } from "../src/runtime/node-flags.ts";

const apps = Number(process.env.BENCH_APPS ?? 1_000);
const records = Number(process.env.BENCH_RECORDS ?? 8);
const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const MIB = 1024 * 1024;
/** BENCH_NODE_FLAGS: V8 flags added to Ferry's for both children, to measure a change of them. */
const extraFlags = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);

async function fleetConfig(redisUrl: string, prefix: string) {
  const { generatedConfig } = await import("../test/support/ui-state.ts");
  // On loopback, as the config says: without OIDC the API answers only there (src/ui/auth).
  return generatedConfig(apps, prefix, {
    redis: { url: redisUrl, prefix },
    server: { host: "127.0.0.1", port: 0 },
  });
}

async function serveFerry(redisUrl: string, prefix: string): Promise<number> {
  const [{ pino }, { Registry, collectDefaultMetrics }, { startReceiver }, { createLogger }] =
    await Promise.all([
      import("pino"),
      import("prom-client"),
      import("../src/cli/up/receiver.ts"),
      import("../src/observability/logger.ts"),
    ]);
  const logger = createLogger({
    level: "info",
    destination: pino.destination({ dest: "/dev/null", sync: true }) as unknown as NodeJS.WritableStream,
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry }); // as `ferry serve` does
  const receiver = await startReceiver(await fleetConfig(redisUrl, prefix), { logger, registry });
  return receiver.port;
}

async function serveReference(redisUrl: string, prefix: string): Promise<number> {
  const redis = createRedis(redisUrl, "receiver");
  // The names test/support/ui-state.ts generates (appName), without importing it.
  const names = Array.from({ length: apps }, (_, index) => `app-${String(index).padStart(5, "0")}`);
  const server = createServer((_req, res) => {
    const pipeline = redis.pipeline();
    for (const name of names) {
      pipeline.lrange(syncKey(prefix, name, "history"), 0, 4);
      pipeline.hmget(syncKey(prefix, name, "healthy"), "revision", "at");
      pipeline.hexists(syncKey(prefix, name, "healthy"), "manifests");
      pipeline.get(reconcileKey(prefix, name, "status"));
      pipeline.get(syncKey(prefix, name, "bad"));
      pipeline.get(syncKey(prefix, name, "paused"));
      pipeline.exists(deployLockKey(prefix, name));
    }
    void pipeline.exec().then((results) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(results));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Peaks of the child's own memory figures since the last report, in MiB. */
function memoryPeaks(): () => Record<string, number> {
  let peaks: Record<string, number> = {};
  const sample = () => {
    const usage: Record<string, number> = { ...process.memoryUsage() };
    for (const space of getHeapSpaceStatistics()) usage[space.space_name] = space.space_size;
    for (const [name, bytes] of Object.entries(usage)) peaks[name] = Math.max(peaks[name] ?? 0, bytes / MIB);
  };
  setInterval(sample, 100).unref();
  return () => {
    sample();
    const reported = peaks;
    peaks = {};
    return reported;
  };
}

/** Child mode: serve, print the port; on SIGUSR2 print (and reset) the memory peaks. */
async function child(role: string, redisUrl: string, prefix: string): Promise<void> {
  const port = role === "ferry" ? await serveFerry(redisUrl, prefix) : await serveReference(redisUrl, prefix);
  const report = memoryPeaks();
  process.on("SIGUSR2", () => process.stdout.write(`memory=${JSON.stringify(report())}\n`));
  process.once("SIGTERM", () => process.exit(0));
  process.stdout.write(`port=${port}\n`);
}

interface Server {
  role: string;
  port: number;
  process: ChildProcess;
  /** The next `memory=` line the child prints. */
  nextReport(): Promise<Record<string, number>>;
}

function startChild(role: string, redisUrl: string, prefix: string): Promise<Server> {
  const proc = spawn(
    process.execPath,
    [...NODE_FLAGS, ...extraFlags, fileURLToPath(import.meta.url), role, redisUrl, prefix],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const waiting: ((peaks: Record<string, number>) => void)[] = [];
  let buffered = "";
  return new Promise((resolve, reject) => {
    proc.stdout.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const port = /^port=(\d+)$/.exec(line)?.[1];
        if (port) resolve({ role, port: Number(port), process: proc, nextReport });
        if (line.startsWith("memory="))
          waiting.shift()?.(JSON.parse(line.slice(7)) as Record<string, number>);
      }
    });
    proc.once("exit", (code) => reject(new Error(`${role} server exited with ${code}`)));
    const nextReport = () =>
      new Promise<Record<string, number>>((done) => {
        waiting.push(done);
        proc.kill("SIGUSR2");
      });
  });
}

function procStatus(pid: number, field: string): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${field}:`));
  return (Number(line?.split(/\s+/)[1] ?? 0) * 1024) / MIB;
}

/** User + system CPU ms of a process (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function request(server: Server): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const path = server.role === "ferry" ? "/api/apps" : "/";
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`${server.role}: ${response.status}`);
  return { ms: performance.now() - started, bytes: body.length };
}

interface Phase {
  server: string;
  mode: "paced" | "back to back";
  requests: number;
  p50Ms: number;
  maxMs: number;
  cpuMsPerRequest: number;
  peakRssMiB: number;
  endRssMiB: number;
  responseBytes: number;
  /** Peaks inside the child (MiB): rss, heapTotal, heapUsed, external, arrayBuffers, V8 spaces. */
  memory: Record<string, number>;
}

async function measure(server: Server, mode: Phase["mode"]): Promise<Phase> {
  const pid = server.process.pid as number;
  await server.nextReport(); // resets the child's peaks
  let peakRss = procStatus(pid, "VmRSS");
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, procStatus(pid, "VmRSS"))), 50);
  const cpuBefore = cpuMs(pid);
  const times: number[] = [];
  let bytes = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const tick = performance.now();
    const answer = await request(server);
    times.push(answer.ms);
    bytes = answer.bytes;
    if (mode === "paced")
      await new Promise((done) => setTimeout(done, Math.max(0, tick + 1000 - performance.now())));
  }
  const cpu = cpuMs(pid) - cpuBefore;
  clearInterval(sampler);
  const memory = await server.nextReport();
  times.sort((a, b) => a - b);
  return {
    server: server.role,
    mode,
    requests: times.length,
    p50Ms: times[Math.floor(times.length / 2)] ?? Number.NaN,
    maxMs: times.at(-1) ?? Number.NaN,
    cpuMsPerRequest: cpu / times.length,
    peakRssMiB: Math.max(peakRss, procStatus(pid, "VmRSS")),
    endRssMiB: procStatus(pid, "VmRSS"),
    responseBytes: bytes,
    memory,
  };
}

const idleFigures = (memory: Record<string, number>) =>
  `RSS ${(memory.rss ?? 0).toFixed(0)} MiB, heap used ${(memory.heapUsed ?? 0).toFixed(0)} MiB`;

const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(" ");

async function main(): Promise<void> {
  const [{ startPrivateRedis }, { seedFleetState }] = await Promise.all([
    import("../src/cli/up/redis.ts"),
    import("../test/support/ui-state.ts"),
  ]);
  const redisServer = await startPrivateRedis();
  const redis = createRedis(redisServer.url, "worker");
  const prefix = `bench-${randomBytes(4).toString("hex")}`;
  const servers: Server[] = [];
  try {
    const seeding = performance.now();
    await seedFleetState(redis, await fleetConfig(redisServer.url, prefix), { records, every: 50 });
    console.log(
      `seeded ${apps} apps × ${records} records in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
    );
    servers.push(await startChild("ferry", redisServer.url, prefix));
    servers.push(await startChild("reference", redisServer.url, prefix));
    const [ferry, reference] = servers as [Server, Server];
    const idle = { ferry: await ferry.nextReport(), reference: await reference.nextReport() };
    for (const server of servers) for (let round = 0; round < 3; round++) await request(server); // warm-up
    const loadBefore = load();
    const phases: Phase[] = [];
    for (const [server, mode] of [
      [ferry, "paced"],
      [reference, "paced"],
      [reference, "back to back"],
      [ferry, "back to back"],
    ] as const) {
      phases.push(await measure(server, mode));
    }
    const loadAfter = load();
    console.log(
      `${apps} apps × ${records} records, ${seconds} s per phase, flags ${[...NODE_FLAGS, ...extraFlags].join(" ")}; load average ${loadBefore} → ${loadAfter}; before the first request: Ferry ${idleFigures(idle.ferry)}, reference ${idleFigures(idle.reference)}\n`,
    );
    console.log(
      "| server | mode | requests | p50 ms | max ms | CPU ms/request | peak RSS MiB | heap used / total MiB | old / new space MiB | response KiB |",
    );
    console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const phase of phases) {
      const m = phase.memory;
      console.log(
        `| ${phase.server} | ${phase.mode} | ${phase.requests} | ${phase.p50Ms.toFixed(0)} | ${phase.maxMs.toFixed(0)} | ${phase.cpuMsPerRequest.toFixed(1)} | ${phase.peakRssMiB.toFixed(0)} | ${(m.heapUsed ?? 0).toFixed(0)} / ${(m.heapTotal ?? 0).toFixed(0)} | ${(m.old_space ?? 0).toFixed(0)} / ${(m.new_space ?? 0).toFixed(0)} | ${(phase.responseBytes / 1024).toFixed(0)} |`,
      );
    }
    const out = join(dirname(fileURLToPath(import.meta.url)), "results", "api-apps.json");
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), apps, records, seconds, loadAverage: { before: loadBefore, after: loadAfter }, idleRssMiB: idle, phases }, null, 2)}\n`,
    );
  } finally {
    for (const server of servers) server.process.kill("SIGTERM");
    redis.disconnect();
    await redisServer.stop();
  }
}

const [role, redisUrl, childPrefix] = process.argv.slice(2);
if (role && redisUrl && childPrefix) await child(role, redisUrl, childPrefix);
else await main();
