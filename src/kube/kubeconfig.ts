// A KubeConfig for one cluster of ferry.yaml: in-cluster service account credentials, or a
// kubeconfig file with an optional context (the file's current context otherwise).
import { KubeConfig } from "@kubernetes/client-node";
import type { ClusterConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";

export function loadKubeConfig(cluster: ClusterConfig): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (cluster.inCluster) kc.loadFromCluster();
    else if (cluster.kubeconfig) kc.loadFromFile(cluster.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new AppError(
      "CONFIG_INVALID",
      `cluster "${cluster.name}": cannot load kubeconfig: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  if (cluster.context) {
    if (!kc.getContextObject(cluster.context)) {
      throw new AppError(
        "CONFIG_INVALID",
        `cluster "${cluster.name}": context "${cluster.context}" not found`,
      );
    }
    kc.setCurrentContext(cluster.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new AppError("CONFIG_INVALID", `cluster "${cluster.name}": the kubeconfig names no cluster`);
  }
  return kc;
}
