// The control plane a benchmark runs against: BENCH_KUBECONFIG reuses a running one (`ferry
// cluster up`), otherwise a private one is started in a temporary directory and stopped after.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveBinDir } from "../src/kube/local/binaries.ts";
import { startLocalCluster } from "../src/kube/local/controlplane.ts";

export async function benchCluster(): Promise<{ kubeconfig: string; stop: () => Promise<void> }> {
  const reuse = process.env.BENCH_KUBECONFIG;
  if (reuse) return { kubeconfig: reuse, stop: () => Promise.resolve() };
  const dir = mkdtempSync(join(tmpdir(), "ferry-bench-cluster-"));
  const started = await startLocalCluster({ dir, binDir: await resolveBinDir() });
  return {
    kubeconfig: started.kubeconfig,
    stop: async () => {
      await started.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
