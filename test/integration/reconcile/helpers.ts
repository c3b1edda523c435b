// Shared set-up for the reconcile integration tests: a random key/queue prefix on the run's
// Redis, Ferry's own KubeClient, the Redis applied-state store, and a reconcile worker that
// runs processReconcileJob as workers/reconcile.ts will.
import { Worker } from "bullmq";
import { Registry } from "prom-client";
import { inject } from "vitest";
import { appSchema, type AppConfig } from "../../../src/config/schema.ts";
import { send } from "../../../src/kube/request.ts";
import {
  APP_LABEL,
  FIELD_MANAGER,
  TRACKING_ANNOTATION,
  trackingId,
  type KubeObject,
} from "../../../src/kube/types.ts";
import { createLogger } from "../../../src/observability/logger.ts";
import { queuePrefix } from "../../../src/keys.ts";
import { createRedis, type RedisClient } from "../../../src/queue/connection.ts";
import { createEnqueuer, type Enqueuer } from "../../../src/queue/enqueue.ts";
import { queueNames } from "../../../src/queue/types.ts";
import type { ReconcileDeps } from "../../../src/reconcile/index.ts";
import { reconcileMetrics } from "../../../src/reconcile/metrics.ts";
import { processReconcileJob } from "../../../src/reconcile/process.ts";
import { startWatcher, type Watcher, type WatcherOptions } from "../../../src/reconcile/watcher.ts";
import { countStatuses } from "../../../src/reconcile/status.ts";
import { createRedisAppliedStateStore, type RedisAppliedStateStore } from "../../../src/reconcile/store.ts";
import { testKubeClient, testKubeConfig } from "../../support/cluster.ts";
import { closeTestRedis, openTestRedis } from "../../support/redis-prefix.ts";

export interface Harness {
  prefix: string;
  redis: RedisClient;
  enqueuer: Enqueuer;
  store: RedisAppliedStateStore;
  registry: Registry;
  deps: ReconcileDeps;
  apps: AppConfig[];
  startWorker(): Worker;
  close(): Promise<void>;
}

export function appConfig(name: string, namespace: string, extra: Record<string, unknown> = {}): AppConfig {
  return appSchema.parse({
    name,
    forge: "github",
    repo: "acme/deploy",
    destination: { cluster: "test", namespace },
    ...extra,
  });
}

export function harness(apps: AppConfig[], overrides: Partial<ReconcileDeps> = {}): Harness {
  const { redis, prefix } = openTestRedis();
  const enqueuer = createEnqueuer(redis, { prefix });
  const store = createRedisAppliedStateStore(redis, prefix);
  const registry = new Registry();
  const kube = testKubeClient();
  const workers: Worker[] = [];
  const deps: ReconcileDeps = {
    apps: () => apps,
    redis,
    prefix,
    logger: createLogger({ level: process.env.FERRY_TEST_LOG ?? "silent" }),
    git: { headOf: () => Promise.reject(new Error("no git in this test")) },
    location: (app) => ({ repo: app.repo, url: app.repoUrl ?? "" }),
    kube: () => kube,
    enqueuer,
    store,
    metrics: reconcileMetrics(registry, {
      statusCounts: () =>
        countStatuses(
          redis,
          apps.map((app) => app.name),
          prefix,
        ),
    }),
    ...overrides,
  };
  return {
    prefix,
    redis,
    enqueuer,
    store,
    registry,
    deps,
    apps,
    startWorker() {
      const worker = new Worker(queueNames.reconcile, (job) => processReconcileJob(job.data, deps), {
        connection: createRedis(inject("redisUrl"), "worker"),
        prefix: queuePrefix(prefix),
        concurrency: 2,
      });
      workers.push(worker);
      return worker;
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      await enqueuer.queues.reconcile.obliterate({ force: true }).catch(() => undefined);
      await enqueuer.queues.sync.obliterate({ force: true }).catch(() => undefined);
      await enqueuer.close();
      await closeTestRedis(redis, prefix);
    },
  };
}

/** Labels and annotates an object the way a sync stamps it. */
export function stamp(app: string, object: KubeObject): KubeObject {
  const stamped = {
    ...object,
    metadata: {
      ...object.metadata,
      labels: { ...object.metadata.labels, [APP_LABEL]: app },
      annotations: { ...object.metadata.annotations },
    },
  };
  stamped.metadata.annotations[TRACKING_ANNOTATION] = trackingId(app, stamped);
  return stamped;
}

export function deployment(namespace: string, replicas = 2): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
      },
    },
  };
}

export function configMap(namespace: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "settings", namespace },
    data: { color: "blue" },
  };
}

/** What a sync does: apply as ferry (forced) and record the desired state as last applied. */
export async function applyAsFerry(h: Harness, app: string, revision: string, objects: KubeObject[]) {
  const stamped = objects.map((object) => stamp(app, object));
  const kube = testKubeClient();
  for (const object of stamped) await kube.apply(object, { fieldManager: FIELD_MANAGER, force: true });
  await h.store.recordApplied(app, revision, stamped);
  return stamped;
}

/** A watcher over the harness's apps on the run's control plane; lease 3 s unless given. */
export function testWatcher(
  h: Harness,
  options: Pick<WatcherOptions, "debounceMs" | "leaseMs" | "onTrigger">,
): Watcher {
  return startWatcher({
    ...h.deps,
    kubeConfig: () => testKubeConfig(),
    queue: h.enqueuer.queues.reconcile,
    leaseMs: 3_000,
    ...options,
  });
}

/** `spec.replicas` of the live Deployment `web`. */
export async function liveReplicas(namespace: string): Promise<number | undefined> {
  const live = await testKubeClient().get({
    apiVersion: "apps/v1",
    kind: "Deployment",
    namespace,
    name: "web",
  });
  return (live?.spec as { replicas?: number } | undefined)?.replicas;
}

/** A merge patch as `kubectl edit`/`kubectl patch` sends it, under another field manager. */
export async function mergePatch(path: string, patch: unknown, fieldManager: string): Promise<void> {
  const res = await send(testKubeConfig(), {
    method: "PATCH",
    path,
    query: { fieldManager },
    contentType: "application/merge-patch+json",
    body: patch,
  });
  if (res.status !== 200) throw new Error(`patch ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

export const deploymentPath = (namespace: string) => `/apis/apps/v1/namespaces/${namespace}/deployments/web`;
export const configMapPath = (namespace: string) => `/api/v1/namespaces/${namespace}/configmaps/settings`;

/** Polls a condition (no fixed sleeps): resolves with its value, fails with `what` on timeout. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
