// Shared pieces of the sync integration tests: an app config per test, a quiet logger, one
// Redis connection per test, and small manifests that kwok can run.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { pino } from "pino";
import { afterEach, beforeEach, inject } from "vitest";
import { appSchema, type AppConfig } from "../../../src/config/schema.ts";
import { keyPattern } from "../../../src/keys.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { runSync, type SyncInput } from "../../../src/sync/engine.ts";
import type { SyncOutcome } from "../../../src/sync/types.ts";
import { testKubeClient } from "../../support/cluster.ts";
import { testSeal } from "../../support/state.ts";

/** The seal every sync of these tests uses (one key, as one installation has). */
export const seal = testSeal();

export function makeApp(namespace: string, sync: Record<string, unknown> = {}): AppConfig {
  return appSchema.parse({
    name: `app-${randomBytes(4).toString("hex")}`,
    forge: "github",
    repo: "acme/deploy",
    destination: { cluster: "test", namespace },
    sync: { healthTimeout: "60s", ...sync },
  });
}

/** The key prefix of each test's connection (src/keys.ts): `sync` writes under it. */
const prefixOf = new WeakMap<Redis, string>();

/** A fresh Redis connection and key prefix per test; afterwards its keys go and it closes. */
export function useRedis(): { readonly client: Redis; readonly prefix: string } {
  let client: Redis | undefined;
  let prefix = "";
  beforeEach(() => {
    client = new Redis(inject("redisUrl"), { maxRetriesPerRequest: 1 });
    prefix = `t-${randomBytes(6).toString("hex")}`;
    prefixOf.set(client, prefix);
  });
  afterEach(async () => {
    const keys = client ? await client.keys(keyPattern(prefix)) : [];
    if (client && keys.length > 0) await client.del(...keys);
    client?.disconnect();
    client = undefined;
  });
  return {
    get client() {
      if (!client) throw new Error("useRedis: only inside a test");
      return client;
    },
    get prefix() {
      if (!client) throw new Error("useRedis: only inside a test");
      return prefix;
    },
  };
}

export function sync(
  redis: Redis,
  app: AppConfig,
  objects: KubeObject[],
  revision: string,
  extra: Partial<SyncInput> = {},
): Promise<SyncOutcome> {
  const prefix = prefixOf.get(redis);
  if (prefix === undefined) throw new Error("sync: pass the connection of useRedis()");
  return runSync({
    kube: testKubeClient(),
    redis,
    prefix,
    seal,
    app,
    objects,
    revision,
    trigger: { reason: "webhook" },
    logger: pino({ level: "silent" }),
    options: { pollIntervalMs: 100 },
    ...extra,
  });
}

export function configMap(
  name: string,
  data: Record<string, string> = { key: name },
  annotations = {},
): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, annotations }, data };
}

export function deployment(
  name: string,
  options: { image?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, annotations: options.annotations ?? {} },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name, ...options.labels } },
        spec: { containers: [{ name: "app", image: options.image ?? "nginx:1.27" }] },
      },
    },
  };
}

export function service(name: string): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
  };
}

export function sha(n: number): string {
  return n.toString(16).padStart(40, "0");
}
