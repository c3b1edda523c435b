// `helm template` would try to download a dependency that is declared but not vendored; Ferry
// never lets it reach the network, so such a chart is refused here with a message that says
// how to fix it, before helm runs at all.
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { z } from "zod";
import { AppError } from "../../errors.ts";

const dependencySchema = z.looseObject({
  name: z.string().min(1),
  version: z.string().optional(),
  repository: z.string().optional(),
});
const dependenciesSchema = z.looseObject({ dependencies: z.array(dependencySchema).nullish() });

export async function checkVendoredDependencies(chartDir: string, shown: string): Promise<void> {
  const declared = [
    ...(await readDependencies(join(chartDir, "Chart.yaml"), `${shown}/Chart.yaml`)),
    ...(await readDependencies(join(chartDir, "requirements.yaml"), `${shown}/requirements.yaml`)),
  ];
  if (declared.length === 0) return;
  const vendored = await readdir(join(chartDir, "charts")).catch(() => [] as string[]);
  for (const dependency of declared) {
    if (await isVendored(chartDir, vendored, dependency.name)) continue;
    const from = dependency.repository ? ` from ${dependency.repository}` : "";
    throw new AppError(
      "RENDER_FAILED",
      `chart ${shown}: dependency "${dependency.name}"${from} is not vendored in charts/. Ferry never downloads ` +
        `charts: run \`helm dependency build\` and commit the charts/ directory.`,
    );
  }
}

async function readDependencies(file: string, shown: string): Promise<z.infer<typeof dependencySchema>[]> {
  const text = await readFile(file, "utf8").catch(() => undefined);
  if (text === undefined) return [];
  let parsed: unknown;
  try {
    parsed = yaml.load(text, { filename: shown });
  } catch (error) {
    const line = error instanceof yaml.YAMLException && error.mark ? `:${error.mark.line + 1}` : "";
    throw new AppError("MANIFEST_INVALID", `${shown}${line}: invalid YAML`, { cause: error });
  }
  const result = dependenciesSchema.safeParse(parsed ?? {});
  if (!result.success) throw new AppError("MANIFEST_INVALID", `${shown}: dependencies are malformed`);
  return result.data.dependencies ?? [];
}

async function isVendored(chartDir: string, entries: string[], name: string): Promise<boolean> {
  if (entries.includes(name)) {
    const chart = await stat(join(chartDir, "charts", name, "Chart.yaml")).catch(() => undefined);
    if (chart?.isFile()) return true;
  }
  return entries.some((entry) => entry.startsWith(`${name}-`) && entry.endsWith(".tgz"));
}
