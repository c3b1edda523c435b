// Kubernetes clients per app: the one way Ferry reaches an app's cluster. When the app's
// project names a ServiceAccount for its destination, every request is made as that account
// (src/kube/impersonation.ts), so the cluster's RBAC bounds what the app's repository can do;
// otherwise as Ferry itself. Clients are kept per cluster and identity (each has its own
// discovery cache and connections).
import type { AppConfig, FerryConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { createKubeClient } from "../kube/client.ts";
import { explainForbidden, impersonating, serviceAccountIdentity } from "../kube/impersonation.ts";
import { loadKubeConfig, type KubeAccess } from "../kube/kubeconfig.ts";
import type { KubeClient } from "../kube/types.ts";
import { projectOf, serviceAccountOf } from "../policy/project.ts";

export interface AppClients {
  /** Every request for the app, as its project's ServiceAccount when it names one. */
  kubeFor(app: AppConfig): KubeClient;
  /** The credentials kubeFor uses (the watcher opens its own watches with them). */
  kubeConfigFor(app: AppConfig): KubeAccess;
}

export function createAppClients(config: Pick<FerryConfig, "clusters" | "projects">): AppClients {
  const clients = new Map<string, KubeClient>();
  const cached = (key: string, build: () => KubeClient): KubeClient => {
    let client = clients.get(key);
    if (!client) {
      client = build();
      clients.set(key, client);
    }
    return client;
  };
  // One access per cluster: its token file and exec plugin caches serve every app there.
  const accesses = new Map<string, KubeAccess>();
  const kubeConfig = (cluster: string): KubeAccess => {
    const known = accesses.get(cluster);
    if (known) return known;
    const clusterConfig = config.clusters.find((candidate) => candidate.name === cluster);
    if (!clusterConfig) throw new AppError("CONFIG_INVALID", `unknown cluster "${cluster}"`);
    const access = loadKubeConfig(clusterConfig);
    accesses.set(cluster, access);
    return access;
  };
  const ownClient = (cluster: string) => cached(cluster, () => createKubeClient(kubeConfig(cluster)));
  const accountOf = (app: AppConfig) => serviceAccountOf(projectOf(config, app), app);
  const kubeConfigFor = (app: AppConfig): KubeAccess => {
    const account = accountOf(app);
    const kc = kubeConfig(app.destination.cluster);
    return account === undefined ? kc : impersonating(kc, serviceAccountIdentity(account));
  };
  const kubeFor = (app: AppConfig): KubeClient => {
    const { cluster } = app.destination;
    const account = accountOf(app);
    if (account === undefined) return ownClient(cluster);
    return cached(`${cluster} ${serviceAccountIdentity(account).user}`, () =>
      explainForbidden(createKubeClient(kubeConfigFor(app)), account, ownClient(cluster)),
    );
  };
  return { kubeFor, kubeConfigFor };
}
