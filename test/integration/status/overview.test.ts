// /api/apps' sync state under a stream of pushes (issue 17 item 7): a reconcile run that saw a
// sync queued saves "Syncing"; once that sync has finished, the app must read Synced (or
// Failed), not Syncing until the next reconcile run minutes later. Real Redis, real records.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppConfig } from "../../../src/config/schema.ts";
import type { Redis } from "ioredis";
import { Registry } from "prom-client";
import { createLogger } from "../../../src/observability/logger.ts";
import { readDetail, readOverviews, type AppOverview } from "../../../src/status/overview.ts";
import { deployLockKey, stateIndexKey, syncKey } from "../../../src/keys.ts";
import { StateSeal } from "../../../src/state/seal.ts";
import { createRedis, whenReady, type RedisClient } from "../../../src/queue/connection.ts";
import { redisLock } from "../../../src/queue/lock.ts";
import { writeAppStatus } from "../../../src/reconcile/status.ts";
import type { AppSyncStatus } from "../../../src/reconcile/types.ts";
import {
  recordDeployment,
  recordSyncEnded,
  saveHealthyRevision,
  type DeploymentRecord,
} from "../../../src/sync/history.ts";
import { startRedisCluster, type RedisClusterSet } from "../../support/redis-topologies.ts";
import { appName, generatedConfig, revisionOf, seedFleetState } from "../../support/ui-state.ts";
import { closeTestRedis, openTestRedis } from "../../support/redis-prefix.ts";

let redis: RedisClient;
let prefix: string;
const app = {
  name: "web",
  destination: { cluster: "c", namespace: "n" },
  repo: "o/r",
  branch: "main",
} as AppConfig;

beforeEach(() => {
  ({ redis, prefix } = openTestRedis());
});

afterEach(() => closeTestRedis(redis, prefix));

const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();

function record(result: DeploymentRecord["result"], startedSecondsAgo: number): DeploymentRecord {
  return {
    revision: "a".repeat(40),
    trigger: "webhook",
    startedAt: at(startedSecondsAgo),
    durationMs: 1_000,
    result,
    changed: 1,
    health: "Healthy",
  };
}

const status = (value: AppSyncStatus, checkedSecondsAgo: number) =>
  writeAppStatus(
    redis,
    { app: app.name, status: value, checkedAt: at(checkedSecondsAgo), drifted: [] },
    prefix,
  );

const syncOf = async () => (await readOverviews({ redis, prefix }, [app]))[0]?.sync;

describe("the sync state of /api/apps", () => {
  it("reads Synced once the sync that a reconcile run saw queued has finished", async () => {
    await status("Syncing", 30);
    expect(await syncOf()).toBe("Syncing");
    await recordDeployment(redis, prefix, app.name, record("succeeded", 10));
    expect(await syncOf()).toBe("Synced");
  });

  it("reads Failed when that sync failed, and keeps a status newer than the last deployment", async () => {
    await status("Syncing", 30);
    await recordDeployment(redis, prefix, app.name, record("failed", 10));
    expect(await syncOf()).toBe("Failed");
    // A later reconcile run found drift: it is newer than the deployment, so it stands.
    await status("OutOfSync", 1);
    expect(await syncOf()).toBe("OutOfSync");
  });

  it("reads Syncing while the deploy lock is held, whatever is recorded", async () => {
    await recordDeployment(redis, prefix, app.name, record("succeeded", 10));
    await status("Synced", 1);
    const lock = redisLock(redis, deployLockKey(prefix, app.name), 10_000);
    expect(await lock.take()).toBe(true);
    expect(await syncOf()).toBe("Syncing");
    await lock.release();
    expect(await syncOf()).toBe("Synced");
  });

  it("reads Synced when the sync a reconcile run saw had nothing to do, whichever was written first", async () => {
    await recordDeployment(redis, prefix, app.name, record("succeeded", 60));
    await status("Syncing", 30);
    await recordSyncEnded(redis, prefix, app.name);
    expect(await syncOf()).toBe("Synced");
    // The run looked before the sync ended but wrote its Syncing after: still outdated.
    await status("Syncing", 1);
    expect(await syncOf()).toBe("Synced");
    // A run that looked after that sync ended and saw another one queued stands.
    await writeAppStatus(
      redis,
      {
        app: app.name,
        status: "Syncing",
        checkedAt: new Date(Date.now() + 1_000).toISOString(),
        drifted: [],
      },
      prefix,
    );
    expect(await syncOf()).toBe("Syncing");
  });

  it("keeps a status other than Syncing when a sync had nothing to do", async () => {
    await recordDeployment(redis, prefix, app.name, record("succeeded", 60));
    await status("OutOfSync", 30);
    await recordSyncEnded(redis, prefix, app.name);
    expect(await syncOf()).toBe("OutOfSync");
  });

  it("reads Unknown when the only sync since a stale Syncing was skipped", async () => {
    await status("Syncing", 30);
    await recordDeployment(redis, prefix, app.name, record("skipped", 10));
    expect(await syncOf()).toBe("Unknown");
  });
});

// The overviews of a list are read in batches (each kind of record for all apps at once) and
// only the shown head of each history is read, unless that head leaves something open.
describe("the overviews of many apps", () => {
  const shown = 5;

  it("shows each app its own records, and reads only the shown head of histories that tell enough", async () => {
    // More apps than one round trip reads (200): the batches must keep each app's records.
    const count = 210;
    const config = generatedConfig(count, prefix);
    await seedFleetState(redis, config, { records: 8, every: 5 });
    const ranges = await lrangesDuring(() => readOverviews({ redis, prefix }, config.apps));
    expectFleetOverviews(ranges.result, count);
    // Apps with images find the live revision's in the newest record: 5 entries are read. The
    // others (0, 3, 6, …) name no images: the rest of their list is searched for some.
    for (let index = 0; index < count; index++) {
      const reads = ranges.byKey.get(syncKey(prefix, appName(index), "history"));
      expect(reads, appName(index)).toEqual(index % 3 === 0 ? ["0 4", "5 19"] : ["0 4"]);
    }
  });

  it("finds the live revision's images in a record older than the shown ones", async () => {
    const live = "d".repeat(40);
    await recordDeployment(redis, prefix, app.name, {
      ...record("succeeded", 900),
      revision: live,
      images: [{ image: "web:2", repository: "web", tag: "2" }],
    });
    await markHealthy(live);
    for (let attempt = 0; attempt < shown + 1; attempt++)
      await recordDeployment(redis, prefix, app.name, {
        ...record("failed", 800 - attempt),
        revision: "e".repeat(40),
      });
    const [overview] = await readOverviews({ redis, prefix }, [app]);
    expect(overview?.revision).toBe(live);
    expect(overview?.images).toEqual([{ image: "web:2", repository: "web", tag: "2" }]);
    expect(overview?.deployments).toHaveLength(shown);
  });

  it("takes the health of the last deployment that was not skipped from past the shown ones when the index lacks it", async () => {
    await recordDeployment(redis, prefix, app.name, { ...record("failed", 900), health: "Degraded" });
    for (let attempt = 0; attempt < shown + 1; attempt++)
      await recordDeployment(redis, prefix, app.name, record("skipped", 800 - attempt));
    // Records written before the state index existed: only the records themselves tell.
    await redis.del(stateIndexKey(prefix, "deployed"));
    const [overview] = await readOverviews({ redis, prefix }, [app]);
    expect(overview).toMatchObject({ sync: "Failed", health: "Degraded" });
    expect(overview?.deployments.map((entry) => entry.result)).toEqual(Array(shown).fill("skipped"));
  });

  it("fills the shown deployments past an entry that no longer parses", async () => {
    for (let index = 0; index < shown + 2; index++)
      await recordDeployment(redis, prefix, app.name, {
        ...record("succeeded", 900 - index),
        changed: index,
      });
    // Written by another version: readHistory skips it.
    await redis.lset(syncKey(prefix, app.name, "history"), 2, '{"revision":1}');
    const [overview] = await readOverviews({ redis, prefix }, [app]);
    expect(overview?.deployments.map((entry) => entry.changed)).toEqual([6, 5, 3, 2, 1]);
  });

  it("shows up to 20 deployments on an app's detail", async () => {
    for (let index = 0; index < 25; index++)
      await recordDeployment(redis, prefix, app.name, {
        ...record("succeeded", 900 - index),
        changed: index,
      });
    const detail = await readDetail({ redis, prefix }, app);
    expect(detail.deployments.map((entry) => entry.changed)).toEqual(
      Array.from({ length: 20 }, (_, index) => 24 - index),
    );
  });
});

/** Marks `revision` as the last healthy one, as a worker does (sealed manifests included). */
async function markHealthy(revision: string): Promise<void> {
  const seal = new StateSeal([StateSeal.generateKey()], {
    registry: new Registry(),
    logger: createLogger({ level: "silent" }),
  });
  await saveHealthyRevision(redis, prefix, seal, app.name, revision, []);
}

/** What `read` returned, and the LRANGE ranges ("start stop") it sent, per key. */
async function lrangesDuring<T>(
  read: () => Promise<T>,
): Promise<{ result: T; byKey: Map<string, string[]> }> {
  // The run's Redis is a single server (support/redis-prefix.ts); MONITOR opens its own connection.
  const monitor = await (redis as Redis).monitor();
  const byKey = new Map<string, string[]>();
  monitor.on("monitor", (_time: string, args: string[]) => {
    const [command, key, start, stop] = args;
    if (command?.toLowerCase() !== "lrange" || !key?.startsWith(`${prefix}:`)) return;
    byKey.set(key, [...(byKey.get(key) ?? []), `${start} ${stop}`]);
  });
  try {
    const result = await read();
    // MONITOR reports commands in the order they ran: once it reports a command sent after the
    // read, every command of the read has been reported.
    const marker = `${prefix}:end-of-read`;
    const seen = new Promise<void>((done) =>
      monitor.on("monitor", (_time: string, args: string[]) => {
        if (args[1] === marker) done();
      }),
    );
    await redis.exists(marker);
    await seen;
    return { result, byKey };
  } finally {
    monitor.disconnect();
  }
}

/** What seedFleetState (every 5) wrote, as each app's overview must show it. */
function expectFleetOverviews(overviews: AppOverview[], count: number): void {
  const summary = (overview: AppOverview) => ({
    name: overview.name,
    sync: overview.sync,
    health: overview.health,
    revision: overview.revision,
    badRevision: overview.badRevision,
    pausedBy: overview.paused?.by,
    imageTags: overview.images?.map((image) => image.tag),
    deployments: overview.deployments.map((entry) => entry.revision),
  });
  const expected = (index: number) => ({
    name: appName(index),
    sync: index % 5 === 1 ? "Syncing" : index % 5 === 4 ? "OutOfSync" : "Synced",
    health: "Healthy",
    revision: revisionOf(index),
    badRevision: index % 5 === 3 ? revisionOf(index, 1) : undefined,
    pausedBy: index % 5 === 2 ? "alice@example.com" : undefined,
    imageTags: index % 3 === 0 ? undefined : [`1.${index}`],
    // Newest first: the live revision (twice when a re-sync recorded its images), then older ones.
    deployments: (index % 3 === 0 ? [0, 1, 2, 3, 4] : [0, 0, 1, 2, 3]).map((generation) =>
      generation === 0 ? revisionOf(index) : revisionOf(index, generation),
    ),
  });
  expect(overviews.map(summary)).toEqual(Array.from({ length: count }, (_, index) => expected(index)));
}

// Redis Cluster (issue 17 item 1): the batched reads (MGETs, pipelines) touch many keys in one
// command or round trip, which Cluster allows only within one slot: the prefix's hash tag.
describe("the overviews of many apps on Redis Cluster", () => {
  let set: RedisClusterSet | undefined;
  const clients: RedisClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await set?.stop();
    set = undefined;
  });

  it(
    "reads them with the receiver's connection, every key in the prefix's slot",
    { timeout: 120_000 },
    async () => {
      set = await startRedisCluster(3);
      const config = generatedConfig(10, `{${prefix}}`, {
        redis: { cluster: { nodes: set.nodes }, prefix: `{${prefix}}` },
      });
      const seeder = createRedis(config.redis, "worker");
      const receiver = createRedis(config.redis, "receiver");
      clients.push(seeder, receiver);
      await seedFleetState(seeder, config, { records: 8, every: 5 });
      await whenReady(receiver);
      const source = { redis: receiver, prefix: config.redis.prefix };
      expectFleetOverviews(await readOverviews(source, config.apps), 10);
      const detail = await readDetail(source, config.apps[4] as AppConfig);
      expect(detail.drift?.status).toBe("OutOfSync");
      expect(detail.deployments).toHaveLength(8);
    },
  );
});
