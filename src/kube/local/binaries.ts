// Where the control plane's binaries come from: FERRY_TEST_KUBE_BIN or KUBEBUILDER_ASSETS
// (envtest's convention) name a prebuilt directory; otherwise scripts/build-testcluster.sh
// builds them from Go modules into a cache (a cache hit takes well under a second).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { AppError } from "../../errors.ts";
import { installRoot } from "../../runtime/install.ts";

export const COMPONENTS = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
] as const;
export type Component = (typeof COMPONENTS)[number];

export const buildScript = join(installRoot, "scripts", "build-testcluster.sh");

/** Fails with the list of what is missing, so a half-filled directory is easy to diagnose. */
export function checkBinDir(binDir: string): string {
  const missing = [...COMPONENTS, "kwok-stages"].filter((name) => !existsSync(join(binDir, name)));
  if (missing.length > 0) {
    throw new AppError(
      "KUBE_UNAVAILABLE",
      `control plane binaries missing in ${binDir}: ${missing.join(", ")}`,
      {
        retryable: false,
        details: { binDir, missing },
      },
    );
  }
  return binDir;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Receives the build script's progress lines (stderr). */
  onProgress?: (line: string) => void;
}

/** Returns a directory holding the five binaries and kwok-stages/, building them if needed. */
export async function resolveBinDir({ env = process.env, onProgress }: ResolveOptions = {}): Promise<string> {
  const prebuilt = env.FERRY_TEST_KUBE_BIN || env.KUBEBUILDER_ASSETS;
  if (prebuilt) return checkBinDir(prebuilt);
  const child = spawn("bash", [buildScript], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  const stderr: string[] = [];
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) {
      stderr.push(line);
      onProgress?.(line);
    }
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  if (code !== 0) {
    throw new AppError(
      "KUBE_UNAVAILABLE",
      `${buildScript} failed (exit ${code}):\n${stderr.slice(-30).join("\n")}`,
      {
        retryable: false,
      },
    );
  }
  const lines = stdout.trim().split("\n");
  return checkBinDir(lines[lines.length - 1] ?? "");
}
