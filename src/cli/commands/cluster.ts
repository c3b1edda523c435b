import type { Command } from "commander";
import { resolve } from "node:path";
import { resolveBinDir } from "../../kube/local/binaries.ts";
import { startLocalCluster } from "../../kube/local/controlplane.ts";
import { cleanGenerated, runningCluster, stopRecorded } from "../../kube/local/manage.ts";

const DEFAULT_DIR = ".ferry/cluster";

function printUsage(dir: string, kubeconfig: string, server: string): void {
  console.log(`apiserver ${server}; stop it with: ferry cluster down --dir ${dir}`);
  console.log(`use it with kubectl: kubectl --kubeconfig ${kubeconfig} get nodes, or:`);
  console.log(`export KUBECONFIG=${kubeconfig}`);
}

async function up(dir: string): Promise<void> {
  const running = await runningCluster(dir);
  if (running) {
    console.error(`ferry cluster: already running in ${dir}`);
    printUsage(dir, running.kubeconfig, running.server);
    return;
  }
  // A crashed or half-stopped earlier run: stop its leftovers and start clean.
  await stopRecorded(dir);
  await cleanGenerated(dir);
  const binDir = await resolveBinDir({ onProgress: (line) => console.error(line) });
  const started = Date.now();
  const cluster = await startLocalCluster({
    dir,
    binDir,
    onProgress: (message) => console.error(`ferry cluster: ${message}`),
  });
  console.log(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s (logs in ${dir})`);
  printUsage(dir, cluster.kubeconfig, cluster.server);
}

async function down(dir: string): Promise<void> {
  const stopped = await stopRecorded(dir);
  console.log(stopped > 0 ? `stopped ${stopped} processes in ${dir}` : `no control plane running in ${dir}`);
}

export function registerCluster(program: Command): void {
  const cluster = program
    .command("cluster")
    .description(
      "a local Kubernetes control plane (etcd, kube-apiserver, controllers, kwok) for trying Ferry",
    );
  cluster
    .command("up")
    .description(
      "start it in the background and wait until ready; the last line is `export KUBECONFIG=<path>`",
    )
    .option("--dir <dir>", "working directory (PKI, etcd data, logs, kubeconfig)", DEFAULT_DIR)
    .action(async (options: { dir: string }) => up(resolve(options.dir)));
  cluster
    .command("down")
    .description("stop the control plane started by `cluster up`")
    .option("--dir <dir>", "working directory given to `cluster up`", DEFAULT_DIR)
    .action(async (options: { dir: string }) => down(resolve(options.dir)));
}
