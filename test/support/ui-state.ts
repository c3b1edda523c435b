// Generated Ferry state for the UI's tests and bench/ui.bench.ts: apps in a ferry.yaml and, in
// Redis, what the sync workers and reconcile write for them (history, healthy mark, status),
// through the modules that own those records.
import { Registry } from "prom-client";
import { parseConfig } from "../../src/config/load.ts";
import type { FerryConfig } from "../../src/config/schema.ts";
import { createLogger } from "../../src/observability/logger.ts";
import type { RedisClient } from "../../src/queue/connection.ts";
import { writeAppStatus } from "../../src/reconcile/status.ts";
import { StateSeal } from "../../src/state/seal.ts";
import { deployLockKey } from "../../src/keys.ts";
import { redisLock } from "../../src/queue/lock.ts";
import {
  markBadRevision,
  recordDeployment,
  saveHealthyRevision,
  type DeploymentRecord,
} from "../../src/sync/history.ts";
import { pauseApp } from "../../src/sync/pause.ts";

export const uiForgeSecret = "ui-test-webhook-secret";

/** Apps `app-00000`…, alternately in projects team-a/team-b and clusters east/west. */
export function generatedConfig(
  count: number,
  prefix: string,
  extra: Record<string, unknown> = {},
): FerryConfig {
  return parseConfig({
    forges: [{ name: "github", type: "github", webhookSecret: uiForgeSecret }],
    clusters: [
      { name: "east", kubeconfig: "/dev/null" },
      { name: "west", kubeconfig: "/dev/null" },
    ],
    projects: ["team-a", "team-b"].map((name) => ({
      name,
      destinations: [{ cluster: "*", namespace: "*" }],
    })),
    redis: { prefix },
    apps: Array.from({ length: count }, (_, index) => ({
      name: appName(index),
      project: index % 2 === 0 ? "team-a" : "team-b",
      forge: "github",
      repo: `acme/deploy-${index % 10}`,
      path: `apps/${appName(index)}`,
      destination: { cluster: index % 2 === 0 ? "east" : "west", namespace: `ns-${index % 50}` },
    })),
    ...extra,
  });
}

export function appName(index: number): string {
  return `app-${String(index).padStart(5, "0")}`;
}

export function revisionOf(index: number, generation = 0): string {
  return `${generation.toString(16)}${index.toString(16)}`.padStart(40, "c");
}

export function deployment(index: number, overrides: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    revision: revisionOf(index),
    trigger: "webhook",
    cause: { kind: "changeRequest", number: 7, author: "alice", mergedBy: "bob" },
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    durationMs: 1_200,
    result: "succeeded",
    changed: 2,
    health: "Healthy",
    ...overrides,
  };
}

/**
 * Writes, for every app of `config`, a succeeded deployment, its healthy mark and a Synced
 * reconcile status; `outOfSync(index)` picks apps whose status says OutOfSync instead.
 */
export async function seedState(
  redis: RedisClient,
  config: FerryConfig,
  outOfSync: (index: number) => boolean = () => false,
): Promise<void> {
  const seal = new StateSeal([StateSeal.generateKey()], {
    registry: new Registry(),
    logger: createLogger({ level: "silent" }),
  });
  const prefix = config.redis.prefix;
  const batch = 200;
  for (let start = 0; start < config.apps.length; start += batch) {
    await Promise.all(
      config.apps.slice(start, start + batch).map(async (app, offset) => {
        const index = start + offset;
        await recordDeployment(redis, prefix, app.name, deployment(index));
        await saveHealthyRevision(redis, prefix, seal, app.name, revisionOf(index), []);
        await writeAppStatus(
          redis,
          {
            app: app.name,
            status: outOfSync(index) ? "OutOfSync" : "Synced",
            checkedAt: new Date().toISOString(),
            drifted: [],
          },
          prefix,
        );
      }),
    );
  }
}

/**
 * State of a fleet that has been running a while, for bench/api-apps.bench.ts and the overview
 * tests: `records` deployment records per app (the newest a succeeded sync of the live
 * revision, older ones of older revisions, a mix of skipped, failed and succeeded syncs), the
 * healthy mark and reconcile status of seedState, and of every `every` apps, app 1 locked by a
 * running sync, app 2 paused, app 3 skipping a rolled-back revision, app 4 OutOfSync (counted
 * from 0). Every third app (0, 3, …) records no images (a ConfigMap-only app), so the overview
 * searches its whole history for the live revision's images; the others name theirs.
 */
export async function seedFleetState(
  redis: RedisClient,
  config: FerryConfig,
  options: { records: number; every: number },
): Promise<void> {
  const prefix = config.redis.prefix;
  const withImages = (index: number) => index % 3 !== 0;
  const kinds: Partial<DeploymentRecord>[] = [
    { result: "skipped", reason: "AlreadyDeployed", changed: 0 },
    { result: "failed", reason: "ApplyFailed", message: "Deployment web: ProgressDeadlineExceeded" },
    { result: "succeeded" },
  ];
  const batch = 200;
  for (let start = 0; start < config.apps.length; start += batch) {
    await Promise.all(
      config.apps.slice(start, start + batch).map(async (app, offset) => {
        const index = start + offset;
        // seedState writes the next record; apps with images one more (below).
        const older = options.records - (withImages(index) ? 2 : 1);
        for (let generation = older; generation >= 1; generation--) {
          const startedAt = new Date(Date.now() - generation * 3_600_000).toISOString();
          const kind = kinds[generation % kinds.length];
          const record = deployment(index, { revision: revisionOf(index, generation), startedAt, ...kind });
          await recordDeployment(redis, prefix, app.name, record);
        }
      }),
    );
  }
  await seedState(redis, config, (index) => index % options.every === 4);
  for (let start = 0; start < config.apps.length; start += batch) {
    await Promise.all(
      config.apps.slice(start, start + batch).map(async (app, index) => {
        const nth = start + index;
        if (withImages(nth)) await recordDeployment(redis, prefix, app.name, imagesRecord(nth));
        if (nth % options.every === 1)
          await redisLock(redis, deployLockKey(prefix, app.name), 3_600_000).take();
        if (nth % options.every === 2) await pauseApp(redis, prefix, app.name, "alice@example.com");
        if (nth % options.every === 3) await markBadRevision(redis, prefix, app.name, revisionOf(nth, 1));
      }),
    );
  }
}

/** A re-sync of the live revision that recorded the image it runs. */
function imagesRecord(index: number): DeploymentRecord {
  return deployment(index, {
    result: "succeeded",
    images: [
      {
        image: `registry.example.com/web:1.${index}`,
        repository: "registry.example.com/web",
        tag: `1.${index}`,
      },
    ],
  });
}
