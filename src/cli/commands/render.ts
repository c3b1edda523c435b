import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import * as yaml from "js-yaml";
import { sourceSchema } from "../../config/schema.ts";
import { AppError } from "../../errors.ts";
import { withoutSource } from "../../kube/types.ts";
import { renderApp } from "../../render/index.ts";

interface RenderFlags {
  type: string;
  values: string[];
  namespace: string;
  release?: string;
}

export function registerRender(program: Command): void {
  program
    .command("render <dir>")
    .description(
      "render a directory (plain, kustomize or helm) and print the YAML stream workers would apply",
    )
    .option("--type <type>", "auto | plain | kustomize | helm", "auto")
    .option(
      "--values <file>",
      "helm value file (repeatable)",
      (file: string, all: string[]) => [...all, file],
      [],
    )
    .option("--namespace <ns>", "destination namespace", "default")
    .option("--release <name>", "helm release name (default: the directory's name)")
    .action(async (dir: string, flags: RenderFlags) => {
      const appDir = resolve(dir);
      // Confinement is to the enclosing git repository, as for a worker's checkout.
      const root = repositoryRoot(appDir);
      const source = sourceSchema.safeParse({
        type: flags.type,
        valueFiles: flags.values.map((file) => relative(appDir, resolve(file))),
        ...(flags.release ? { releaseName: flags.release } : {}),
      });
      if (!source.success) throw new AppError("USAGE", `--type must be auto, plain, kustomize or helm`);
      const name = flags.release ?? (appDir.split("/").pop() || "app");
      const result = await renderApp({
        checkoutDir: root,
        app: {
          name,
          path: relative(root, appDir) || ".",
          source: source.data,
          destination: { cluster: "", namespace: flags.namespace, createNamespace: false },
        },
      });
      // As applied: without the Ferry-local note of where each object is defined.
      const applied = result.objects.map(withoutSource);
      process.stdout.write(applied.map((object) => `---\n${yaml.dump(object)}`).join(""));
    });
}

function repositoryRoot(dir: string): string {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, ".git"))) return current;
    if (dirname(current) === current) return dir;
  }
}
