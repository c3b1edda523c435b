// Reads kustomization files ourselves before kustomize does, for two reasons: to refuse what
// kustomize would otherwise fetch or execute (remote bases, helm charts, plugins), and to list
// every local directory and file the build reads, which is what the render cache is keyed on.
import { join, relative } from "node:path";
import * as yaml from "js-yaml";
import { AppError } from "../../errors.ts";
import { directFs, type FsView } from "../fsview.ts";
import { isRecord, parseManifests } from "../manifests.ts";
import { confine } from "../paths.ts";
import { checkPluginConfig, looksRemote } from "./policy.ts";

export const kustomizationNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

export interface KustomizeInputs {
  /** Kustomization directories, relative to the root, overlay first. */
  dirs: string[];
  /** Files referenced by those kustomizations (relative to the root). */
  files: string[];
}

export async function findKustomization(dir: string, fs: FsView = directFs): Promise<string | undefined> {
  for (const name of kustomizationNames) {
    if (await fs.isFile(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export async function walkKustomization(
  root: string,
  appPath: string,
  fs: FsView = directFs,
): Promise<KustomizeInputs> {
  const realRoot = await confine(root, ".", "repository root", root, fs);
  const dirs = new Set<string>();
  const files = new Set<string>();

  // Inside a generators/transformers/validators directory every resource is a plugin config.
  const visit = async (dir: string, shown: string, pluginConfigs = false): Promise<void> => {
    const rel = relative(realRoot, dir) || ".";
    if (dirs.has(rel)) return;
    dirs.add(rel);
    const file = await findKustomization(dir, fs);
    if (!file) throw new AppError("RENDER_FAILED", `kustomize: ${shown} has no kustomization.yaml`);
    const kustomization = parseKustomization(await fs.readText(file), relative(realRoot, file));
    for (const ref of references(kustomization, relative(realRoot, file))) {
      if (ref.inline !== undefined) {
        checkPluginFile(ref.inline, `${relative(realRoot, file)} (${ref.field})`);
        continue;
      }
      if (looksRemote(ref.path)) {
        throw new AppError(
          "RENDER_FAILED",
          `kustomize: ${ref.field} ${ref.path} is remote; Ferry builds only from the repository`,
        );
      }
      const target = await confine(realRoot, ref.path, `kustomize ${ref.field}`, dir, fs);
      const info = await fs.stat(target);
      const plugin = pluginConfigs || ref.plugin === true;
      if (info.isDirectory()) await visit(target, ref.path, plugin);
      else {
        files.add(relative(realRoot, target));
        if (plugin) checkPluginFile(await fs.readText(target), relative(realRoot, target));
      }
    }
  };

  await visit(await confine(realRoot, appPath, "app path", realRoot, fs), appPath);
  return { dirs: [...dirs], files: [...files] };
}

function parseKustomization(text: string, shown: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = yaml.load(text, { filename: shown });
  } catch (error) {
    const line = error instanceof yaml.YAMLException && error.mark ? `:${error.mark.line + 1}` : "";
    const reason = error instanceof yaml.YAMLException ? error.reason : String(error);
    throw new AppError("MANIFEST_INVALID", `${shown}${line}: invalid YAML: ${reason}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isRecord(parsed)) throw new AppError("MANIFEST_INVALID", `${shown}: is not a mapping`);
  for (const field of ["helmCharts", "helmGlobals", "helmChartInflationGenerator"]) {
    if (parsed[field] !== undefined) {
      throw new AppError(
        "RENDER_FAILED",
        `${shown}: ${field} is not supported (it downloads charts); use source.type helm`,
      );
    }
  }
  return parsed;
}

interface Reference {
  field: string;
  path: string;
  inline?: string;
  plugin?: boolean;
}

function references(k: Record<string, unknown>, shown: string): Reference[] {
  const refs: Reference[] = [];
  const add = (field: string, value: unknown, plugin = false) => {
    if (typeof value !== "string" || value === "") return;
    // An entry with a newline is an inline document (patchesStrategicMerge, transformers…).
    if (!value.includes("\n")) refs.push({ field, path: value, plugin });
    else if (plugin) refs.push({ field, path: "", inline: value });
  };
  for (const field of ["resources", "bases", "components", "crds", "configurations"]) {
    for (const value of list(k[field], field, shown)) add(field, value);
  }
  for (const value of list(k.patchesStrategicMerge, "patchesStrategicMerge", shown)) add("patch", value);
  for (const field of ["patches", "patchesJson6902", "replacements"]) {
    for (const entry of list(k[field], field, shown)) if (isRecord(entry)) add(field, entry.path);
  }
  if (isRecord(k.openapi)) add("openapi", k.openapi.path);
  for (const field of ["configMapGenerator", "secretGenerator"]) {
    for (const generator of list(k[field], field, shown)) {
      if (!isRecord(generator)) continue;
      for (const source of list(generator.files, `${field}.files`, shown)) {
        add(`${field} file`, typeof source === "string" ? source.slice(source.indexOf("=") + 1) : source);
      }
      for (const env of [...list(generator.envs, `${field}.envs`, shown), generator.env])
        add(`${field} env`, env);
    }
  }
  for (const field of ["generators", "transformers", "validators"]) {
    for (const value of list(k[field], field, shown)) add(field, value, true);
  }
  return refs.filter((ref) => ref.inline !== undefined || ref.path !== "");
}

function list(value: unknown, field: string, shown: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new AppError("MANIFEST_INVALID", `${shown}: ${field} must be a list`);
  return value;
}

function checkPluginFile(text: string, shown: string): void {
  // a directory was handled as a kustomization; a file holds plugin configurations
  for (const config of parseManifests(text, shown)) checkPluginConfig(config, shown);
}
