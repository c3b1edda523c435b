// `ferry health [--config ferry.yaml] [-o json] <file|->`: judges objects read from a file or
// stdin (a YAML or JSON stream, `kind: List` included, e.g. `kubectl get certificate x -o yaml
// | ferry health -`) with the checks the workers use, ferry.yaml's health.rules included.
import { readFile } from "node:fs/promises";
import { text } from "node:stream/consumers";
import type { Command } from "commander";
import { AppError } from "../../errors.ts";
import { defaultHealthChecks } from "../../health/registry.ts";
import { formatHealthText, judgeObjects } from "../../health/report.ts";
import { parseManifests } from "../../render/manifests.ts";

/** Far beyond any real stream of objects; bounds what is read into memory. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

async function readInput(file: string): Promise<string> {
  const content = file === "-" ? await text(process.stdin) : await readFile(file, "utf8");
  if (Buffer.byteLength(content) > MAX_INPUT_BYTES) {
    throw new AppError("USAGE", `${file}: larger than ${MAX_INPUT_BYTES} bytes`);
  }
  return content;
}

export function registerHealth(program: Command): void {
  program
    .command("health <file>")
    .description("judge the health of objects from a file or - (stdin), as a sync would")
    .option("--config <file>", "ferry.yaml whose health.rules apply")
    .option("-o, --output <format>", "text or json", "text")
    .action(async (file: string, flags: { config?: string; output: string }) => {
      if (flags.output !== "text" && flags.output !== "json") {
        throw new AppError("USAGE", `--output must be text or json, not "${flags.output}"`);
      }
      // Only with --config: the configuration's modules are a good part of the start-up time.
      const rules = flags.config
        ? (await (await import("../../config/load.ts")).loadConfigFile(flags.config)).health.rules
        : [];
      const objects = parseManifests(await readInput(file), file === "-" ? "stdin" : file);
      const reports = judgeObjects(objects, defaultHealthChecks(rules));
      process.stdout.write(
        flags.output === "json" ? `${JSON.stringify(reports, null, 2)}\n` : formatHealthText(reports),
      );
    });
}
