// The real control plane for tests: started once per vitest run by global-setup.ts, which
// provides the admin kubeconfig's path as `inject("kubeconfig")`. Tests isolate themselves
// with their own namespace (useNamespace / createNamespace below).
//
// Binaries: FERRY_TEST_KUBE_BIN or KUBEBUILDER_ASSETS name a prebuilt directory; otherwise
// scripts/build-testcluster.sh builds or reuses its cache.
//
// Pods that can never become ready: label a pod template `ferry.dev/test-never-ready: "true"`
// (NEVER_READY_LABEL). kwok's pod-ready stage skips such pods, so they stay Pending and a
// Deployment of them never becomes Available (for rollback and health-timeout tests).
//
// FERRY_TEST_KUBECONFIG=<path> reuses a running control plane (e.g. from `ferry cluster up`)
// instead of starting one, for quick iteration; tests still isolate themselves by namespace.
//
// Cleanup: stop() at teardown; on SIGINT/SIGTERM/exit of the vitest process the process groups
// are killed synchronously; and a watchdog shell kills them if vitest dies by SIGKILL.
import { spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterEach, beforeEach, inject } from "vitest";
import { createKubeClient } from "../../src/kube/client.ts";
import { loadKubeConfig, type KubeAccess } from "../../src/kube/kubeconfig.ts";
import { resolveBinDir } from "../../src/kube/local/binaries.ts";
import { startLocalCluster } from "../../src/kube/local/controlplane.ts";
import { killNow, stopComponents, type ComponentProcess } from "../../src/kube/local/processes.ts";
import type { KubeClient } from "../../src/kube/types.ts";

export { NEVER_READY_LABEL } from "../../src/kube/local/stages.ts";

export interface TestCluster {
  kubeconfig: string;
  server: string;
  dir: string;
  processes: ComponentProcess[];
  stop: () => Promise<void>;
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Kills the cluster's process groups if `parentPid` disappears without cleaning up. */
function startWatchdog(dir: string, pgidFile: string): number | undefined {
  const script =
    'while kill -0 "$1" 2>/dev/null; do sleep 1; done; ' +
    'for g in $(cat "$2" 2>/dev/null); do kill -KILL "-$g" 2>/dev/null; done; rm -rf "$3"';
  const child = spawn("sh", ["-c", script, "watchdog", String(process.pid), pgidFile, dir], {
    detached: true,
    stdio: "ignore",
  });
  child.unref();
  return child.pid;
}

export async function startTestCluster(env: NodeJS.ProcessEnv = process.env): Promise<TestCluster> {
  const reuse = env.FERRY_TEST_KUBECONFIG;
  if (reuse) return { kubeconfig: reuse, server: "", dir: "", processes: [], stop: () => Promise.resolve() };
  const dir = mkdtempSync(join(tmpdir(), "ferry-cluster-"));
  const pgidFile = join(dir, "pgids");
  const started: ComponentProcess[] = [];
  const watchdog = startWatchdog(dir, pgidFile);
  const killAll = () => {
    killNow(started);
    if (watchdog) killNow([{ name: "watchdog", pid: watchdog, log: "" }]);
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    killAll();
    detach();
    // Let whoever else listens decide; when nobody does, die of the signal as usual.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const detach = () => {
    process.off("exit", killAll);
    for (const signal of SIGNALS) process.off(signal, onSignal);
  };
  process.on("exit", killAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
  try {
    const binDir = await resolveBinDir({ onProgress: (line) => console.error(line) });
    const cluster = await startLocalCluster({
      dir,
      binDir,
      onSpawn: (p) => {
        started.push(p);
        appendFileSync(pgidFile, `${p.pid}\n`);
      },
    });
    return {
      kubeconfig: cluster.kubeconfig,
      server: cluster.server,
      dir,
      processes: cluster.processes,
      stop: async () => {
        await stopComponents(started);
        killAll();
        detach();
      },
    };
  } catch (error) {
    killAll();
    detach();
    throw error;
  }
}

/** Ferry's access to the run's control plane as its admin (inside a test file). */
export function testKubeConfig(): KubeAccess {
  return loadKubeConfig({ name: "test", kubeconfig: inject("kubeconfig"), inCluster: false });
}

/** client-node's KubeConfig for the same admin: the tests' independent client (CoreV1Api). */
export function testClientNodeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject("kubeconfig"));
  return kc;
}

/** Ferry's own client (src/kube/client.ts) for the run's control plane. */
export function testKubeClient(): KubeClient {
  return createKubeClient(testKubeConfig());
}

export interface TestNamespace {
  name: string;
  delete: () => Promise<void>;
}

/** Creates a namespace with a random name; delete() does not wait for finalization. */
export async function createNamespace(
  prefix = "t",
  kc: KubeConfig = testClientNodeConfig(),
): Promise<TestNamespace> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = `${prefix}-${randomBytes(4).toString("hex")}`.toLowerCase();
  await core.createNamespace({ body: { metadata: { name, labels: { "ferry.dev/test": "true" } } } });
  return {
    name,
    delete: async () => {
      await core.deleteNamespace({ name, propagationPolicy: "Background" });
    },
  };
}

/** One fresh namespace per test: `const ns = useNamespace(); … ns.name`. */
export function useNamespace(prefix = "t"): { readonly name: string } {
  let current: TestNamespace | undefined;
  beforeEach(async () => {
    current = await createNamespace(prefix);
  });
  afterEach(async () => {
    await current?.delete();
    current = undefined;
  });
  return {
    get name() {
      if (!current) throw new Error("useNamespace: only available inside a test");
      return current.name;
    },
  };
}
