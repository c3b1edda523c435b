// `ferry worker --config F [--queues preview,sync,reconcile,command,image]`: the workers alone, so they scale
// apart from the receivers. SIGTERM stops taking jobs and gives active ones time to finish.
import type { Command } from "commander";
import { loadConfigFile } from "../../config/load.ts";
import { AppError } from "../../errors.ts";
import { createWorkerApp } from "../../http/worker-app.ts";
import { closeServer, listen } from "../../http/server.ts";
import { createLogger } from "../../observability/logger.ts";
import { checkEvictionPolicy } from "../../queue/eviction.ts";
import { queueNames, type QueueKind } from "../../queue/types.ts";
import { createRuntime } from "../../runtime/context.ts";
import { allQueues, startWorkers } from "../../../workers/index.ts";
import { untilSignal } from "../up/signals.ts";

export function parseQueues(list: string): QueueKind[] {
  const kinds = list
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  const unknown = kinds.filter((kind) => !(kind in queueNames));
  if (unknown.length > 0 || kinds.length === 0) {
    throw new AppError(
      "USAGE",
      `--queues takes a comma-separated list of ${allQueues.join(", ")}; got "${list}"`,
    );
  }
  return kinds as QueueKind[];
}

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("run the preview, sync, reconcile and command workers")
    .requiredOption("--config <file>", "path to ferry.yaml")
    .option("--queues <list>", "comma-separated queues to work on", allQueues.join(","))
    .option("--http-port <port>", "serve /healthz, /readyz and /metrics on this port")
    .action(async (options: { config: string; queues: string; httpPort?: string }) => {
      const kinds = parseQueues(options.queues);
      const config = await loadConfigFile(options.config, process.env, "worker");
      const logger = createLogger();
      // Listen first: a SIGTERM that arrives during start-up still ends in a clean stop.
      const signalled = untilSignal(logger);
      const runtime = createRuntime(config, { logger });
      await checkEvictionPolicy(runtime.redis, logger).catch(async (error: unknown) => {
        await runtime.close();
        throw error;
      });
      const workers = await startWorkers(runtime, kinds);
      const server =
        options.httpPort === undefined
          ? undefined
          : await listen(createWorkerApp(runtime), Number(options.httpPort), config.server.host);
      if (server) logger.info({ port: Number(options.httpPort) }, "worker http listening");
      await signalled;
      if (server) await closeServer(server);
      await workers.stop();
      await runtime.close();
      logger.info("ferry worker stopped");
    });
}
