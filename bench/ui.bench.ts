// The web UI's apps list at scale (issue 18): BENCH_APPS (default 10,000) generated apps with
// their history, healthy mark and reconcile status in a private Redis, served by createApp as
// `ferry serve` runs it. Measured over HTTP, BENCH_ROUNDS (default 5) times each, median:
// - the apps page's first response (GET /ui/: page 1 of 50 apps),
// - a text filter (GET /ui/?q=…, matches 1 app in 10), a project+cluster filter, and state
//   filters, which read the state index (state/app-state-index.ts): a rare state
//   (GET /ui/?sync=OutOfSync, 1 app in 100 drifted), a common one (?sync=Synced, 99 in 100: the
//   deploy locks of every app are read too) and health (?health=Healthy),
// against a plain reference in the same run: a bare node:http server that reads the same 50
// apps' keys directly (one pipeline: LRANGE history, HMGET healthy, GET status) and returns
// them as JSON, i.e. the floor of any server that shows 50 apps from this Redis. Each case is
// reported in ms and as a multiple of the reference's time (bench/results/ui.json has both).
// The targets: first response under 1 s, filtering under 300 ms.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Registry } from "prom-client";
import { startPrivateRedis } from "../src/cli/up/redis.ts";
import { createApp } from "../src/http/app.ts";
import type { WebhookEnqueuer } from "../src/http/webhook-route.ts";
import { closeServer, listen } from "../src/http/server.ts";
import { reconcileKey, syncKey } from "../src/keys.ts";
import { createLogger } from "../src/observability/logger.ts";
import { createRedis } from "../src/queue/connection.ts";
import { generatedConfig, seedState } from "../test/support/ui-state.ts";

const here = dirname(fileURLToPath(import.meta.url));
const apps = Number(process.env.BENCH_APPS ?? 10_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);

async function timed(url: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(url);
  await response.text();
  if (response.status !== 200) throw new Error(`${url}: ${response.status}`);
  return performance.now() - started;
}

async function median(url: string): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) times.push(await timed(url));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const redisServer = await startPrivateRedis();
const redis = createRedis(redisServer.url, "worker");
const prefix = `bench-${randomBytes(4).toString("hex")}`;
// Served on loopback, as the config says: without OIDC the UI answers only there (src/ui/auth).
const generated = generatedConfig(apps, prefix);
const config = { ...generated, server: { ...generated.server, host: "127.0.0.1" } };
let ferry: Server | undefined;
let reference: Server | undefined;
try {
  const seeding = performance.now();
  await seedState(redis, config, (index) => index % 100 === 7);
  console.log(`seeded ${apps} apps in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

  ferry = await listen(
    createApp({
      config,
      enqueuer: {} as WebhookEnqueuer,
      redis,
      logger: createLogger({ level: "warn" }),
      registry: new Registry(),
    }),
    0,
    "127.0.0.1",
  );
  const page = config.apps.slice(0, 50).map((app) => app.name);
  reference = createServer((_req, res) => {
    const pipeline = redis.pipeline();
    for (const name of page) {
      pipeline.lrange(syncKey(prefix, name, "history"), 0, 4);
      pipeline.hmget(syncKey(prefix, name, "healthy"), "revision", "at");
      pipeline.get(reconcileKey(prefix, name, "status"));
    }
    void pipeline.exec().then((results) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(results));
    });
  });
  await new Promise<void>((done) => reference!.listen(0, "127.0.0.1", done));
  const base = `http://127.0.0.1:${(ferry.address() as AddressInfo).port}`;
  const plain = `http://127.0.0.1:${(reference.address() as AddressInfo).port}/`;
  // Warm-up: module caches, JIT, connections.
  await timed(`${base}/ui/`);
  await timed(plain);

  const cases = [
    ["first page", `${base}/ui/`],
    ["text filter", `${base}/ui/?q=deploy-3`],
    ["project + cluster filter", `${base}/ui/?project=team-b&cluster=west`],
    ["state filter (1 in 100)", `${base}/ui/?sync=OutOfSync`],
    ["state filter (99 in 100)", `${base}/ui/?sync=Synced`],
    ["health filter (all)", `${base}/ui/?health=Healthy`],
  ] as const;
  const referenceMs = await median(plain);
  const results: Record<string, number> = { "reference: 50 apps' keys, one pipeline": referenceMs };
  for (const [name, url] of cases) results[name] = await median(url);
  // The ratio to the reference is the figure to compare across runs on a noisy machine.
  const ratios = Object.fromEntries(Object.entries(results).map(([name, ms]) => [name, ms / referenceMs]));
  console.log(`| ${apps} apps, median of ${rounds} | ms | × reference |\n| --- | ---: | ---: |`);
  for (const [name, ms] of Object.entries(results)) {
    console.log(`| ${name} | ${ms.toFixed(1)} | ${(ratios[name] ?? Number.NaN).toFixed(1)} |`);
  }
  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(
    join(here, "results", "ui.json"),
    `${JSON.stringify({ apps, rounds, results, ratios }, null, 2)}\n`,
  );
} finally {
  if (ferry) await closeServer(ferry);
  if (reference) await closeServer(reference);
  redis.disconnect();
  await redisServer.stop();
}
