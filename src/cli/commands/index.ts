import type { Command } from "commander";
import { registerCluster } from "./cluster.ts";
import { registerConfig } from "./config.ts";
import { registerDiff } from "./diff.ts";
import { registerHealth } from "./health.ts";
import { registerRender } from "./render.ts";
import { registerServe } from "./serve.ts";
import { registerStatus } from "./status.ts";
import { registerSync } from "./sync.ts";
import { registerUp } from "./up.ts";
import { registerWorker } from "./worker.ts";

/** Every subcommand's registration, in the order `ferry --help` lists them. */
export const commands: Array<(program: Command) => void> = [
  registerUp,
  registerServe,
  registerWorker,
  registerConfig,
  registerRender,
  registerCluster,
  registerDiff,
  registerSync,
  registerStatus,
  registerHealth,
];
