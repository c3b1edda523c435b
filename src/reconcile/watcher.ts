// The watcher role, per cluster: one process at a time per cluster (a Redis lease, renewed;
// another worker takes over when the holder dies; roles are spread over the workers, see
// watcher-roles.ts) watches every kind found in the last applied states of that cluster's apps,
// across namespaces, with a label selector on ferry.dev/app. A real change to a tracked object — not
// a status or resourceVersion-only update — enqueues a reconcile run (trigger "watch") for its
// app after a short debounce, so drift is checked within about a second.
import type { Queue } from "bullmq";
import type { RedisClient } from "../queue/connection.ts";
import type { AppConfig } from "../config/schema.ts";
import type { KubeAccess } from "../kube/kubeconfig.ts";
import { APP_LABEL, objectKey, type KubeClient, type KubeObject } from "../kube/types.ts";
import type { Logger } from "../observability/logger.ts";
import { fingerprint } from "./fingerprint.ts";
import { enqueueWatchReconcile } from "./jobs.ts";
import { createWatcherRoles } from "./watcher-roles.ts";
import type { AppliedStateStore } from "./types.ts";
import { watchKind, type WatchEventType } from "./watch.ts";

export interface WatcherOptions {
  apps: () => readonly AppConfig[];
  redis: RedisClient;
  prefix: string;
  logger: Logger;
  store: AppliedStateStore;
  /** The app's client and credentials (as its project's ServiceAccount when it names one). */
  kube: (app: AppConfig) => KubeClient;
  kubeConfig: (app: AppConfig) => KubeAccess;
  /**
   * Whether the app's requests are made as its own ServiceAccount. Such an app's kinds are
   * watched per namespace with its credentials (its account may not list across namespaces);
   * the others share one cluster-wide watch per kind, as Ferry. Default: none.
   */
  impersonates?: (app: AppConfig) => boolean;
  /** The reconcile queue. */
  queue: Queue;
  /** Lease time to live: a dead holder's roles are taken over within about this long. */
  leaseMs?: number;
  debounceMs?: number;
  /** How often the holder re-reads the apps' kinds (new kinds after a sync). */
  refreshMs?: number;
  /** Called with the app name whenever a watch run is enqueued (tests, benchmarks). */
  onTrigger?: (app: string) => void;
}

export interface Watcher {
  /** Holds the watcher role of at least one cluster. */
  isHolder(): boolean;
  /** Holds a role and every wanted kind has been listed once: changes from now on are seen. */
  isWatching(): boolean;
  stop(): Promise<void>;
}

/** A kind to watch, with the app whose credentials open the watch. */
interface WantedKind {
  app: AppConfig;
  apiVersion: string;
  kind: string;
  namespace?: string;
  labelSelector: string;
}

interface KindWatch {
  abort: AbortController;
  done: Promise<void>;
  listed: boolean;
  /** object key → fingerprint and app, for this kind's tracked objects. */
  seen: Map<string, { print: string; app: string | undefined }>;
}

export function startWatcher(options: WatcherOptions): Watcher {
  const leaseMs = options.leaseMs ?? 15_000;
  const debounceMs = options.debounceMs ?? 200;
  const refreshMs = options.refreshMs ?? 30_000;
  const roles = createWatcherRoles(options.redis, options.prefix, leaseMs);
  const logger = options.logger.child({ role: "watcher", holder: roles.token.slice(0, 8) });
  const watches = new Map<string, KindWatch>();
  const pending = new Map<string, NodeJS.Timeout>();
  let held: ReadonlySet<string> = new Set();
  let stopped = false;
  let lastRefresh = 0;

  const trigger = (app: string) => {
    if (pending.has(app) || !options.apps().some((candidate) => candidate.name === app)) return;
    pending.set(
      app,
      setTimeout(() => {
        pending.delete(app);
        enqueueWatchReconcile(options.queue, app).then(
          () => options.onTrigger?.(app),
          (error: unknown) => logger.warn({ app, reason: String(error) }, "watch: enqueue failed"),
        );
      }, debounceMs),
    );
  };

  const appOf = (object: KubeObject) => object.metadata.labels?.[APP_LABEL];

  const onEvent = (watch: KindWatch, type: WatchEventType, object: KubeObject) => {
    const key = objectKey(object);
    const app = appOf(object);
    if (type === "DELETED") {
      watch.seen.delete(key);
      if (app) trigger(app);
      return;
    }
    const print = fingerprint(object);
    if (watch.seen.get(key)?.print === print) return;
    watch.seen.set(key, { print, app });
    if (app) trigger(app);
  };

  const onList = (watch: KindWatch, objects: KubeObject[], first: boolean) => {
    const fresh = new Map(objects.map((object) => [objectKey(object), object]));
    if (!first) {
      // A re-list after 410 Gone: whatever changed or vanished during the gap counts as events.
      for (const [key, known] of watch.seen) {
        const object = fresh.get(key);
        if (object === undefined) watch.seen.delete(key);
        if (known.app && (object === undefined || fingerprint(object) !== known.print)) trigger(known.app);
      }
    }
    for (const [key, object] of fresh)
      watch.seen.set(key, { print: fingerprint(object), app: appOf(object) });
  };

  const startKind = async (wanted: WantedKind) => {
    const { app, apiVersion, kind, namespace } = wanted;
    const cluster = app.destination.cluster;
    const resource = await options.kube(app).resource(apiVersion, kind);
    const watch: KindWatch = {
      abort: new AbortController(),
      done: Promise.resolve(),
      listed: false,
      seen: new Map(),
    };
    watch.done = watchKind({
      kc: options.kubeConfig(app),
      resource,
      ...(namespace !== undefined && resource.namespaced ? { namespace } : {}),
      labelSelector: wanted.labelSelector,
      signal: watch.abort.signal,
      onList: (objects) => {
        onList(watch, objects, !watch.listed);
        watch.listed = true;
      },
      onEvent: (type, object) => onEvent(watch, type, object),
      onError: (error) =>
        logger.warn({ cluster, kind, reason: error.message }, "watch: stream failed, retrying"),
    });
    return watch;
  };

  /** One watch per cluster and kind as Ferry; per app and namespace for impersonating apps. */
  const wantedKinds = async (): Promise<Map<string, WantedKind>> => {
    const wanted = new Map<string, WantedKind>();
    for (const app of options.apps()) {
      if (!held.has(app.destination.cluster)) continue;
      const applied = await options.store.lastApplied(app.name);
      const own = options.impersonates?.(app) === true;
      for (const object of applied === "refused" ? [] : (applied?.objects ?? [])) {
        const { apiVersion, kind } = object;
        const cluster = app.destination.cluster;
        if (!own) {
          wanted.set(`${cluster} ${apiVersion} ${kind}`, { app, apiVersion, kind, labelSelector: APP_LABEL });
          continue;
        }
        const namespace = object.metadata.namespace;
        wanted.set(`${cluster} app=${app.name} ${namespace ?? ""} ${apiVersion} ${kind}`, {
          app,
          apiVersion,
          kind,
          ...(namespace === undefined ? {} : { namespace }),
          labelSelector: `${APP_LABEL}=${app.name}`,
        });
      }
    }
    return wanted;
  };

  const refresh = async () => {
    lastRefresh = Date.now();
    const wanted = await wantedKinds();
    for (const [id, watch] of watches) {
      if (wanted.has(id)) continue;
      watch.abort.abort();
      watches.delete(id);
    }
    for (const [id, kind] of wanted) {
      if (watches.has(id) || stopped || !held.has(kind.app.destination.cluster)) continue;
      try {
        watches.set(id, await startKind(kind));
      } catch (error) {
        const { apiVersion } = kind;
        logger.warn(
          { cluster: kind.app.destination.cluster, apiVersion, kind: kind.kind, reason: String(error) },
          "watch: cannot watch kind",
        );
      }
    }
  };

  const stopWatches = async () => {
    const all = [...watches.values()];
    watches.clear();
    for (const watch of all) watch.abort.abort();
    await Promise.allSettled(all.map((watch) => watch.done));
  };

  const tick = async () => {
    const clusters = [...new Set(options.apps().map((app) => app.destination.cluster))];
    const now = await roles.tick(clusters);
    const taken = [...now].filter((cluster) => !held.has(cluster));
    const lost = [...held].filter((cluster) => !now.has(cluster));
    for (const cluster of taken) logger.info({ cluster }, "watcher: role taken");
    for (const cluster of lost) logger.warn({ cluster }, "watcher: role lost");
    held = now;
    if (held.size === 0) return stopWatches();
    // A role taken or lost changes the kinds to watch now, not at the next refresh.
    if (taken.length > 0 || lost.length > 0) lastRefresh = 0;
    if (lastRefresh === 0 || Date.now() - lastRefresh >= refreshMs) await refresh();
  };

  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    running = running
      .then(tick)
      .catch((error: unknown) => logger.warn({ reason: String(error) }, "watcher: tick failed"));
  };
  loop();
  const interval = setInterval(loop, Math.max(100, Math.floor(leaseMs / 3)));

  return {
    isHolder: () => held.size > 0,
    isWatching: () =>
      held.size > 0 && watches.size > 0 && [...watches.values()].every((watch) => watch.listed),
    async stop() {
      stopped = true;
      clearInterval(interval);
      await running;
      for (const timer of pending.values()) clearTimeout(timer);
      pending.clear();
      held = new Set();
      await stopWatches();
      await roles.release().catch(() => undefined);
    },
  };
}
