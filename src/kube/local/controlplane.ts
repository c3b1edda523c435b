// Starts a real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
// kwok) in a working directory and waits until it can run workloads. Shared by the test
// harness and `ferry cluster up`. Order: etcd and the apiserver start together (the apiserver
// retries etcd), the other three once the apiserver is ready, since the controller manager
// gives up on an apiserver that stays unhealthy for a few seconds.
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { AppError } from "../../errors.ts";
import { adminRequest, writeKubeconfig, type AdminCredentials } from "./admin.ts";
import {
  apiserverArgs,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  NODE_NAME,
  nodeObject,
  schedulerArgs,
  type Ports,
} from "./args.ts";
import type { Component } from "./binaries.ts";
import { adminCredentials, generatePki } from "./pki.ts";
import { freePort } from "./ports.ts";
import { isAlive, logTail, spawnComponent, stopComponents, type ComponentProcess } from "./processes.ts";
import { writeStages } from "./stages.ts";
import { writeState } from "./state.ts";

export interface StartOptions {
  /** Working directory: PKI, etcd data, logs, kubeconfig and cluster.json go here. */
  dir: string;
  binDir: string;
  timeoutMs?: number;
  onProgress?: (message: string) => void;
  /** Called as each component starts, so a caller can kill it even if start-up is interrupted. */
  onSpawn?: (process: ComponentProcess) => void;
}

export interface LocalCluster {
  dir: string;
  server: string;
  kubeconfig: string;
  processes: ComponentProcess[];
  stop: () => Promise<void>;
}

async function distinctPorts(): Promise<Ports> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [etcdClient = 0, etcdPeer = 0, apiserver = 0] = [...ports];
  return { etcdClient, etcdPeer, apiserver };
}

/** Polls `check` every 100 ms; fails early with the log tail of any component that died. */
async function waitUntil(
  what: string,
  blame: ComponentProcess | undefined,
  started: ComponentProcess[],
  deadline: number,
  check: () => Promise<boolean>,
): Promise<void> {
  for (;;) {
    const dead = started.find((p) => !isAlive(p.pid));
    if (dead) throw await failure(`${dead.name} exited while waiting for ${what}`, dead);
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw await failure(`timed out waiting for ${what}`, blame);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function failure(message: string, blame: ComponentProcess | undefined): Promise<AppError> {
  const tail = blame ? `\n--- last lines of ${blame.log} ---\n${await logTail(blame)}` : "";
  return new AppError("KUBE_UNAVAILABLE", `local control plane: ${message}${tail}`, {
    retryable: false,
    details: blame ? { component: blame.name, log: blame.log } : {},
  });
}

const nodeIsReady = (body: string) => {
  const node = JSON.parse(body) as { status?: { conditions?: Array<{ type: string; status: string }> } };
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
};

async function startOnce(options: StartOptions): Promise<LocalCluster> {
  const { dir, binDir, timeoutMs = 120_000, onProgress = () => undefined, onSpawn } = options;
  const deadline = Date.now() + timeoutMs;
  await mkdir(dir, { recursive: true });
  const [pki, ports, stages] = await Promise.all([
    generatePki(join(dir, "pki")),
    distinctPorts(),
    writeStages(binDir, dir),
  ]);
  const creds: AdminCredentials = {
    server: `https://127.0.0.1:${ports.apiserver}`,
    ...(await adminCredentials(pki)),
  };
  const kubeconfig = join(dir, "kubeconfig");
  await writeKubeconfig(kubeconfig, creds);

  const processes: ComponentProcess[] = [];
  const record = () => writeState(dir, { server: creds.server, kubeconfig, processes });
  const start = async (name: Component, args: string[]) => {
    const p = spawnComponent(name, join(binDir, name), args, dir);
    processes.push(p);
    onSpawn?.(p);
    await record();
    return p;
  };
  const stop = () => stopComponents(processes);
  try {
    onProgress("starting etcd and kube-apiserver");
    await start("etcd", etcdArgs(dir, ports));
    const apiserver = await start("kube-apiserver", apiserverArgs(dir, pki, ports));
    await waitUntil("kube-apiserver /readyz", apiserver, processes, deadline, async () => {
      return (await adminRequest(creds, "GET", "/readyz")).status === 200;
    });
    onProgress("starting kube-controller-manager, kube-scheduler and kwok");
    await start("kube-controller-manager", controllerManagerArgs(kubeconfig, pki));
    await start("kube-scheduler", schedulerArgs(kubeconfig));
    const kwok = await start("kwok", kwokArgs(kubeconfig, stages));
    const created = await adminRequest(creds, "POST", "/api/v1/nodes", nodeObject);
    if (created.status !== 201 && created.status !== 409) {
      throw await failure(
        `creating node ${NODE_NAME} answered ${created.status}: ${created.body}`,
        apiserver,
      );
    }
    await waitUntil(`node ${NODE_NAME} Ready`, kwok, processes, deadline, async () => {
      const res = await adminRequest(creds, "GET", `/api/v1/nodes/${NODE_NAME}`);
      return res.status === 200 && nodeIsReady(res.body);
    });
    const kcm = processes.find((p) => p.name === "kube-controller-manager");
    await waitUntil("serviceaccount default/default", kcm, processes, deadline, async () => {
      return (
        (await adminRequest(creds, "GET", "/api/v1/namespaces/default/serviceaccounts/default")).status ===
        200
      );
    });
    onProgress("control plane ready");
    return { dir, server: creds.server, kubeconfig, processes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts the control plane. Ports are picked free but can be taken by another process before
 * a component binds them; that one failure is retried with fresh ports and a fresh etcd.
 */
export async function startLocalCluster(options: StartOptions): Promise<LocalCluster> {
  for (let attempt = 1; ; attempt++) {
    await rm(join(options.dir, "etcd"), { recursive: true, force: true });
    try {
      return await startOnce(options);
    } catch (error) {
      const portTaken = error instanceof Error && /address already in use/.test(error.message);
      if (!portTaken || attempt >= 3) throw error;
      options.onProgress?.("a port was taken meanwhile; starting again on other ports");
    }
  }
}
