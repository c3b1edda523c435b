import type { Command } from "commander";
import { resolve } from "node:path";
import { ensureLocalCluster, stopRecorded } from "../../kube/local/manage.ts";

const DEFAULT_DIR = ".ferry/cluster";

async function up(dir: string): Promise<void> {
  const started = Date.now();
  const cluster = await ensureLocalCluster(dir, (message) => console.error(`ferry cluster: ${message}`));
  if (cluster.reused) console.error(`ferry cluster: already running in ${dir}`);
  else console.log(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s (logs in ${dir})`);
  console.log(`apiserver ${cluster.server}; stop it with: ferry cluster down --dir ${dir}`);
  console.log(`use it with kubectl: kubectl --kubeconfig ${cluster.kubeconfig} get nodes, or:`);
  // Last line by contract : scripts run `eval "$(ferry cluster up | tail -1)"`.
  console.log(`export KUBECONFIG=${cluster.kubeconfig}`);
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
