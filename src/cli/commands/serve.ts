// `ferry serve --config F`: the webhook receiver and its probes, nothing else. It needs no
// cluster credentials: receivers scale apart from workers, on the same Redis.
import type { Command } from "commander";
import { Registry, collectDefaultMetrics } from "prom-client";
import { loadConfigFile } from "../../config/load.ts";
import { createLogger } from "../../observability/logger.ts";
import { startReceiver } from "../up/receiver.ts";
import { untilSignal } from "../up/signals.ts";

export async function serve(configFile: string): Promise<void> {
  const config = await loadConfigFile(configFile, process.env, "receiver");
  const logger = createLogger();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const signalled = untilSignal(logger);
  const receiver = await startReceiver(config, { logger, registry });
  await signalled;
  await receiver.stop();
  logger.info("ferry serve stopped");
}

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("receive forge webhooks and enqueue preview and sync jobs")
    .requiredOption("--config <file>", "path to ferry.yaml")
    .action(async (options: { config: string }) => {
      await serve(options.config);
    });
}
