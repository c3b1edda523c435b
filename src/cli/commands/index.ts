import type { Command } from "commander";

type Register = (program: Command) => void;

/**
 * Every subcommand, in the order `ferry --help` lists them, each behind a dynamic import: a
 * command's modules (the Kubernetes client, BullMQ, express, the forge clients, ...) take
 * about a second to load, which `ferry health` or `ferry config check` should not pay for the
 * commands they are not.
 */
export const commands: ReadonlyArray<readonly [name: string, load: () => Promise<Register>]> = [
  ["up", async () => (await import("./up.ts")).registerUp],
  ["serve", async () => (await import("./serve.ts")).registerServe],
  ["worker", async () => (await import("./worker.ts")).registerWorker],
  ["config", async () => (await import("./config.ts")).registerConfig],
  ["render", async () => (await import("./render.ts")).registerRender],
  ["cluster", async () => (await import("./cluster.ts")).registerCluster],
  ["diff", async () => (await import("./diff.ts")).registerDiff],
  ["sync", async () => (await import("./sync.ts")).registerSync],
  ["status", async () => (await import("./status.ts")).registerStatus],
  ["health", async () => (await import("./health.ts")).registerHealth],
];

/**
 * The subcommand `args` (process.argv without node and the script) will run, when that is
 * certain: the first operand, after the program's own `--log-format <format>`. Any other option
 * before it (`--help`, `--version`) or an unknown name needs every command registered.
 */
export function commandToLoad(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "--log-format") i++;
    else if (arg.startsWith("--log-format=")) continue;
    else if (arg.startsWith("-")) return undefined;
    else return commands.some(([name]) => name === arg) ? arg : undefined;
  }
  return undefined;
}
