// The UI's filter on sync state and health (issue 18): it reads the state index that the
// writers of reconcile statuses and deployment records keep in the same MULTI as their records
// (state/app-state-index.ts), so it must return exactly the apps in the asked state after every
// kind of transition, and page like the unfiltered list. Real Redis, records written through
// the modules that own them.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FerryConfig } from "../../../src/config/schema.ts";
import { deployLockKey, stateIndexKey } from "../../../src/keys.ts";
import type { RedisClient } from "../../../src/queue/connection.ts";
import { redisLock } from "../../../src/queue/lock.ts";
import { writeAppStatus } from "../../../src/reconcile/status.ts";
import type { AppSyncStatus } from "../../../src/reconcile/types.ts";
import { readOverviewPage, type OverviewQuery } from "../../../src/status/overview.ts";
import { recordDeployment } from "../../../src/sync/history.ts";
import { closeTestRedis, openTestRedis } from "../../support/redis-prefix.ts";
import { appName, deployment, generatedConfig, seedState } from "../../support/ui-state.ts";

let redis: RedisClient;
let prefix: string;

beforeEach(() => {
  ({ redis, prefix } = openTestRedis());
});

afterEach(() => closeTestRedis(redis, prefix));

const now = () => new Date().toISOString();

async function filtered(config: FerryConfig, query: Partial<OverviewQuery>): Promise<string[]> {
  const page = await readOverviewPage({ redis, prefix }, config.apps, { offset: 0, limit: 100, ...query });
  // Each app shows the state it was selected by.
  for (const app of page.apps) {
    if (query.sync !== undefined) expect(app.sync, app.name).toBe(query.sync);
    if (query.health !== undefined) expect(app.health, app.name).toBe(query.health);
  }
  expect(page.total).toBe(page.apps.length);
  return page.apps.map((app) => app.name);
}

const reconciled = (index: number, status: AppSyncStatus) =>
  writeAppStatus(redis, { app: appName(index), status, checkedAt: now(), drifted: [] }, prefix);

const deployed = (index: number, result: "succeeded" | "failed" | "skipped", health: string) =>
  recordDeployment(
    redis,
    prefix,
    appName(index),
    deployment(index, { result, health, startedAt: now(), durationMs: 5 }),
  );

describe("the state filter", () => {
  it("follows Synced → OutOfSync → Synced, by reconcile statuses and by deployments", async () => {
    const config = generatedConfig(6, prefix);
    await seedState(redis, config);
    const all = config.apps.map((app) => app.name);
    expect(await filtered(config, { sync: "Synced" })).toEqual(all);
    expect(await filtered(config, { sync: "OutOfSync" })).toEqual([]);

    await reconciled(1, "OutOfSync");
    await reconciled(4, "OutOfSync");
    expect(await filtered(config, { sync: "OutOfSync" })).toEqual([appName(1), appName(4)]);
    expect(await filtered(config, { sync: "Synced" })).toEqual(all.filter((_, i) => i !== 1 && i !== 4));

    // App 1's status record is rewritten by the next reconcile run; app 4 is synced.
    await reconciled(1, "Synced");
    await deployed(4, "succeeded", "Healthy");
    expect(await filtered(config, { sync: "OutOfSync" })).toEqual([]);
    expect(await filtered(config, { sync: "Synced" })).toEqual(all);
  });

  it("follows Healthy → Degraded → Healthy, keeps the state through skipped syncs, and filters both", async () => {
    const config = generatedConfig(5, prefix);
    await seedState(redis, config);
    expect(await filtered(config, { health: "Degraded" })).toEqual([]);

    await deployed(2, "failed", "Degraded");
    expect(await filtered(config, { health: "Degraded" })).toEqual([appName(2)]);
    expect(await filtered(config, { sync: "Failed" })).toEqual([appName(2)]);
    expect(await filtered(config, { sync: "Synced", health: "Degraded" })).toEqual([]);
    expect(await filtered(config, { health: "Healthy" })).toEqual([0, 1, 3, 4].map(appName));

    // A skipped sync (nothing to apply) says nothing about the app: still failed and degraded.
    await deployed(2, "skipped", "Unknown");
    expect(await filtered(config, { sync: "Failed", health: "Degraded" })).toEqual([appName(2)]);

    await deployed(2, "succeeded", "Healthy");
    expect(await filtered(config, { health: "Degraded" })).toEqual([]);
    expect(await filtered(config, { sync: "Failed" })).toEqual([]);
    expect(await filtered(config, { sync: "Synced", health: "Healthy" })).toEqual(
      config.apps.map((a) => a.name),
    );
  });

  it("takes the newer of status and deployment, and a held deploy lock as Syncing", async () => {
    const config = generatedConfig(3, prefix);
    // A reconcile run that saw a sync queued, then that sync finishing: Synced, not Syncing.
    await reconciled(0, "Syncing");
    expect(await filtered(config, { sync: "Syncing" })).toEqual([appName(0)]);
    await deployed(0, "succeeded", "Healthy");
    expect(await filtered(config, { sync: "Syncing" })).toEqual([]);
    expect(await filtered(config, { sync: "Synced" })).toEqual([appName(0)]);
    // Apps with no state at all are Unknown.
    expect(await filtered(config, { sync: "Unknown" })).toEqual([appName(1), appName(2)]);

    const lock = redisLock(redis, deployLockKey(prefix, appName(0)), 10_000);
    expect(await lock.take()).toBe(true);
    expect(await filtered(config, { sync: "Syncing" })).toEqual([appName(0)]);
    expect(await filtered(config, { sync: "Synced" })).toEqual([]);
    // Health does not depend on the lock.
    expect(await filtered(config, { health: "Healthy" })).toEqual([appName(0)]);
    await lock.release();
    expect(await filtered(config, { sync: "Synced" })).toEqual([appName(0)]);
  });

  it("pages the matches in configuration order, with their total", async () => {
    const config = generatedConfig(60, prefix);
    await seedState(redis, config, (index) => index % 3 === 0);
    const source = { redis, prefix };
    const expected = Array.from({ length: 20 }, (_, i) => appName(3 * i));
    const pages: string[][] = [];
    for (let offset = 0; offset < 20; offset += 7) {
      const page = await readOverviewPage(source, config.apps, { sync: "OutOfSync", offset, limit: 7 });
      expect(page.total).toBe(20);
      expect(page.more).toBe(offset + 7 < 20);
      pages.push(page.apps.map((app) => app.name));
    }
    expect(pages.map((page) => page.length)).toEqual([7, 7, 6]);
    expect(pages.flat()).toEqual(expected);
    // Combined with a configuration filter: team-b holds the odd apps.
    const teamB = await readOverviewPage(source, config.apps, {
      sync: "OutOfSync",
      project: "team-b",
      offset: 0,
      limit: 50,
    });
    expect(teamB.apps.map((app) => app.name)).toEqual(expected.filter((_, i) => i % 2 === 1));
  });

  it("ignores apps no longer in ferry.yaml, whose index fields stay", async () => {
    const config = generatedConfig(4, prefix);
    await seedState(redis, config, (index) => index === 3);
    const shrunk = { ...config, apps: config.apps.slice(0, 3) };
    expect(await filtered(shrunk, { sync: "OutOfSync" })).toEqual([]);
    expect(await redis.hexists(stateIndexKey(prefix, "reconciled"), appName(3))).toBe(1);
    expect(await filtered(config, { sync: "OutOfSync" })).toEqual([appName(3)]);
  });
});
