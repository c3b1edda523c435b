// A watcher in its own process, so that the takeover test can kill it with SIGKILL like a
// crashed worker: it never gets to hand the lease back. Prints "watching" once it holds the
// role and has listed its kinds.
import { appSchema } from "../../../src/config/schema.ts";
import { createKubeClient } from "../../../src/kube/client.ts";
import { loadKubeConfig } from "../../../src/kube/kubeconfig.ts";
import { createLogger } from "../../../src/observability/logger.ts";
import { createRedis } from "../../../src/queue/connection.ts";
import { createQueues } from "../../../src/queue/queues.ts";
import { createRedisAppliedStateStore } from "../../../src/reconcile/store.ts";
import { startWatcher } from "../../../src/reconcile/watcher.ts";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const prefix = env("WATCHER_PREFIX");
const redis = createRedis(env("WATCHER_REDIS_URL"), "worker");
const kc = loadKubeConfig({ name: "test", kubeconfig: env("WATCHER_KUBECONFIG"), inCluster: false });
const kube = createKubeClient(kc);
const app = appSchema.parse(JSON.parse(env("WATCHER_APP")));
const watcher = startWatcher({
  apps: () => [app],
  redis,
  prefix,
  logger: createLogger({ level: "silent" }),
  store: createRedisAppliedStateStore(redis, prefix),
  kube: () => kube,
  kubeConfig: () => kc,
  queue: createQueues(redis, { prefix }).reconcile,
  leaseMs: Number(env("WATCHER_LEASE_MS")),
  debounceMs: 100,
});
const timer = setInterval(() => {
  if (!watcher.isWatching()) return;
  console.log("watching");
  clearInterval(timer);
}, 50);
