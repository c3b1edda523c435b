import type { Command } from "commander";
import { loadConfigFile } from "../../config/load.ts";

export function registerConfig(program: Command): void {
  const config = program.command("config").description("work with ferry.yaml");
  config
    .command("check <file>")
    .description("validate a ferry.yaml; errors name the exact path (exit 2)")
    .action(async (file: string) => {
      const loaded = await loadConfigFile(file);
      console.log(
        `${file}: ok (${loaded.apps.length} apps, ${loaded.forges.length} forges, ${loaded.clusters.length} clusters)`,
      );
    });
}
