// `ferry cluster up/down` in a directory: reuse a running control plane, clean up a stale
// one, and stop one from its recorded pids (only processes that still run the component's
// binary, so a recycled pid is never signalled).
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { COMPONENTS, resolveBinDir } from "./binaries.ts";
import { startLocalCluster } from "./controlplane.ts";
import { adminRequest } from "./admin.ts";
import { adminCredentials } from "./pki.ts";
import { runs, stopComponents } from "./processes.ts";
import { readState, removeState, type ClusterState } from "./state.ts";

/** The live processes of a recorded cluster. */
function liveProcesses(state: ClusterState): ClusterState["processes"] {
  return state.processes.filter((p) => runs(p, p.name));
}

/** The recorded cluster when all five components run and the apiserver answers /readyz. */
export async function runningCluster(dir: string): Promise<ClusterState | undefined> {
  const state = await readState(dir);
  if (!state || liveProcesses(state).length !== COMPONENTS.length) return undefined;
  const pki = {
    caCert: join(dir, "pki", "ca.crt"),
    adminCert: join(dir, "pki", "admin.crt"),
    adminKey: join(dir, "pki", "admin.key"),
  };
  try {
    const creds = { server: state.server, ...(await adminCredentials(pki)) };
    return (await adminRequest(creds, "GET", "/readyz")).status === 200 ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Stops whatever is recorded in `dir`; returns how many processes were running. */
export async function stopRecorded(dir: string): Promise<number> {
  const state = await readState(dir);
  if (!state) return 0;
  const live = liveProcesses(state);
  await stopComponents(live);
  await removeState(dir);
  return live.length;
}

/** Removes what a previous run generated (never anything else a user may keep in `dir`). */
export async function cleanGenerated(dir: string): Promise<void> {
  const generated = ["etcd", "pki", "kubeconfig", "pgids", ...COMPONENTS.map((c) => `${c}.log`)];
  await Promise.all(generated.map((name) => rm(join(dir, name), { recursive: true, force: true })));
}

export interface EnsuredCluster {
  kubeconfig: string;
  server: string;
  /** True when a control plane already ran in `dir` and was reused. */
  reused: boolean;
}

/**
 * A running local control plane in `dir`: the one already there, or a new one started in the
 * background (it outlives the caller; stopRecorded(dir) stops it). Builds the binaries first
 * when needed. Used by `ferry cluster up` and by `ferry up` when no cluster is configured.
 */
export async function ensureLocalCluster(
  dir: string,
  onProgress: (message: string) => void = () => undefined,
): Promise<EnsuredCluster> {
  const running = await runningCluster(dir);
  if (running) return { kubeconfig: running.kubeconfig, server: running.server, reused: true };
  // A crashed or half-stopped earlier run: stop its leftovers and start clean.
  await stopRecorded(dir);
  await cleanGenerated(dir);
  const binDir = await resolveBinDir({ onProgress });
  const cluster = await startLocalCluster({ dir, binDir, onProgress });
  return { kubeconfig: cluster.kubeconfig, server: cluster.server, reused: false };
}
