// Runs the real helm binary against helm/ferry and parses what it prints, for the chart tests.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import * as yaml from "js-yaml";
import { toolPath } from "../../../src/render/binaries.ts";
import { installRoot } from "../../../src/runtime/install.ts";

const run = promisify(execFile);
export const chartDir = join(installRoot, "helm", "ferry");

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with a values file written from `values` (JSON is YAML); never throws on exit codes. */
export async function helm(args: string[], values: object = {}): Promise<HelmResult> {
  const dir = await mkdtemp(join(tmpdir(), "ferry-chart-"));
  try {
    const file = join(dir, "values.yaml");
    await writeFile(file, JSON.stringify(values));
    const { stdout, stderr } = await run(toolPath("helm"), [...args, "--values", file], {
      maxBuffer: 64 << 20,
      env: { ...process.env, HELM_CACHE_HOME: dir, HELM_CONFIG_HOME: dir, HELM_DATA_HOME: dir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === "number" ? failed.code : 1,
      stdout: failed.stdout ?? "",
      stderr: failed.stderr ?? "",
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The smallest valid values: Redis with its password and the state key, both from Secrets. */
export const minimalValues = {
  redis: { url: "redis://redis.ferry.svc:6379", auth: { existingSecret: "ferry-redis-auth" } },
  stateKey: { existingSecret: "ferry-state" },
};

/** `helm template` with the given values; fails the test with helm's message when it fails. */
export async function template(
  values: object,
  { release = "ferry", namespace = "ferry" }: { release?: string; namespace?: string } = {},
): Promise<KubeObject[]> {
  const result = await helm(["template", release, chartDir, "--namespace", namespace], values);
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  return yaml
    .loadAll(result.stdout)
    .filter((doc): doc is KubeObject => doc !== null && typeof doc === "object");
}

export function find(objects: KubeObject[], kind: string, name?: string): KubeObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function only(objects: KubeObject[], kind: string, name?: string): KubeObject {
  const found = find(objects, kind, name);
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0] as KubeObject;
}
