// `ferry up`: everything in one process. With --config it runs that configuration (receiver
// and all workers). Without, it runs the demo: a private Redis (unless REDIS_URL is set), the
// local control plane (unless --kubeconfig is given), a demo deployment repository, one app —
// deploys it, prints what to do next, and stops all it started on Ctrl-C.
import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { Registry, collectDefaultMetrics } from "prom-client";
import { loadConfigFile } from "../../config/load.ts";
import type { FerryConfig } from "../../config/schema.ts";
import { resolveBinDir } from "../../kube/local/binaries.ts";
import { startLocalCluster } from "../../kube/local/controlplane.ts";
import { cleanGenerated, runningCluster, stopRecorded } from "../../kube/local/manage.ts";
import { createLogger, type Logger } from "../../observability/logger.ts";
import { createRuntime, type Runtime } from "../../runtime/context.ts";
import { STATE_KEY_ENV, StateSeal } from "../../state/seal.ts";
import { readHistory } from "../../sync/history.ts";
import { startWorkers } from "../../../workers/index.ts";
import { DEMO_APP, demoConfig, demoSecret, nextSteps, seedDemoRepo, type DemoSettings } from "../up/demo.ts";
import { startPrivateRedis } from "../up/redis.ts";
import { startReceiver } from "../up/receiver.ts";
import { untilSignal } from "../up/signals.ts";

interface UpOptions {
  config?: string;
  dir: string;
  port: string;
  kubeconfig?: string;
  context?: string;
}

type Cleanup = () => Promise<unknown>;

/**
 * Runs receiver and workers for a configuration until SIGINT/SIGTERM. The state keys come from
 * the environment unless the demo hands in its own.
 */
async function runAll(
  config: FerryConfig,
  logger: Logger,
  options: { started?: (runtime: Runtime, port: number) => Promise<void>; stateKeys?: string[] } = {},
): Promise<void> {
  const { started } = options;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const signalled = untilSignal(logger);
  const runtime = createRuntime(config, {
    logger,
    registry,
    ...(options.stateKeys ? { stateKeys: options.stateKeys } : {}),
  });
  const receiver = await startReceiver(config, { logger, registry, kubeFor: (app) => runtime.kubeFor(app) });
  const workers = await startWorkers(runtime);
  try {
    started?.(runtime, receiver.port).catch((error: unknown) =>
      logger.error({ reason: error instanceof Error ? error.message : String(error) }, "demo start failed"),
    );
    await signalled;
  } finally {
    await workers.stop();
    await receiver.stop();
    await runtime.close();
  }
}

async function localCluster(dir: string, cleanups: Cleanup[]): Promise<string> {
  const running = await runningCluster(dir);
  if (running) return running.kubeconfig;
  await stopRecorded(dir);
  await cleanGenerated(dir);
  const binDir = await resolveBinDir({ onProgress: (line) => console.error(line) });
  const cluster = await startLocalCluster({
    dir,
    binDir,
    onProgress: (m) => console.error(`ferry up: ${m}`),
  });
  cleanups.push(() => cluster.stop());
  return cluster.kubeconfig;
}

/** Waits for the demo app's first deployment record and says how it went. */
async function reportFirstDeploy(runtime: Runtime, settings: DemoSettings): Promise<void> {
  await runtime.enqueuer.enqueueSync({ app: DEMO_APP, reason: "manual" });
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const [latest] = await readHistory(runtime.redis, runtime.prefix, DEMO_APP);
    if (latest) {
      const how = latest.result === "succeeded" ? `deployed ${latest.revision.slice(0, 7)}` : latest.result;
      console.log(
        `ferry up: ${DEMO_APP} ${how} in ${(latest.durationMs / 1000).toFixed(1)} s (${latest.health})`,
      );
      break;
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  console.log(nextSteps(settings));
}

async function demo(options: UpOptions, logger: Logger): Promise<void> {
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true });
  const cleanups: Cleanup[] = [];
  try {
    let redisUrl = process.env.REDIS_URL;
    let stateKeys: string[] | undefined;
    if (!redisUrl) {
      const redis = await startPrivateRedis();
      cleanups.push(() => redis.stop());
      redisUrl = redis.url;
      // Its own Redis lives as long as this process: so may a state key nobody had to set up.
      if (!process.env[STATE_KEY_ENV]) stateKeys = [StateSeal.generateKey()];
    }
    const kubeconfig = options.kubeconfig ?? (await localCluster(resolve(dir, "cluster"), cleanups));
    const settings: DemoSettings = {
      dir,
      repoDir: await seedDemoRepo(dir),
      redisUrl,
      kubeconfig,
      ...(options.context ? { context: options.context } : {}),
      port: Number(options.port),
      secret: await demoSecret(dir),
    };
    const config = demoConfig(settings);
    await runAll(config, logger, {
      started: (runtime, port) => reportFirstDeploy(runtime, { ...settings, port }),
      ...(stateKeys ? { stateKeys } : {}),
    });
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

export function registerUp(program: Command): void {
  program
    .command("up")
    .description("run everything in one process; with no --config, the local demo")
    .option("--config <file>", "run this ferry.yaml instead of the demo")
    .option("--dir <dir>", "the demo's working directory", ".ferry/up")
    .option("--port <port>", "the demo's HTTP port", "8080")
    .option("--kubeconfig <file>", "deploy the demo to this cluster instead of a local control plane")
    .option("--context <name>", "kubeconfig context for --kubeconfig")
    .action(async (options: UpOptions) => {
      const logger = createLogger();
      if (options.config) {
        await runAll(await loadConfigFile(options.config), logger);
        return;
      }
      await demo(options, logger);
    });
}
