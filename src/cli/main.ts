#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=50 --external-memory-accounted-in-global-limit
// The `ferry` command. Each subcommand lives in its own file under commands/ and registers
// itself on the program; this file only wires them and maps failures to exit codes
// (0 ok, 1 failure, 2 usage or configuration error). A run loads only the command it runs
// (commandToLoad); help, version and unknown commands load them all.
import { Command, CommanderError, Option } from "commander";
import { AppError } from "../errors.ts";
import { logFormats, setLogFormat, type LogFormat } from "../observability/log-format.ts";
import { ferryVersion } from "../runtime/install.ts";
import { commandToLoad, commands } from "./commands/index.ts";

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command("ferry")
    .description("GitOps delivery: previews on merge requests, deploys on merge, drift healing in between")
    .version(ferryVersion)
    .exitOverride()
    .showHelpAfterError()
    .addOption(
      new Option("--log-format <format>", "log lines: readable on a terminal (auto), json or pretty")
        .choices(logFormats)
        .default("auto"),
    )
    .hook("preAction", () => setLogFormat(program.opts<{ logFormat: LogFormat }>().logFormat));
  const only = commandToLoad(argv.slice(2));
  for (const [name, load] of commands) if (only === undefined || name === only) (await load())(program);
  return program;
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof AppError && (error.code === "CONFIG_INVALID" || error.code === "USAGE")) return 2;
  return 1;
}

async function main(): Promise<void> {
  try {
    await (await buildProgram(process.argv)).parseAsync(process.argv);
  } catch (error) {
    const code = exitCodeFor(error);
    if (!(error instanceof CommanderError)) {
      console.error(`ferry: ${error instanceof Error ? error.message : String(error)}`);
    }
    process.exitCode = code;
  }
}

await main();
