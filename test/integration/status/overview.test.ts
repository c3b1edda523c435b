// /api/apps' sync state under a stream of pushes (issue 17 item 7): a reconcile run that saw a
// sync queued saves "Syncing"; once that sync has finished, the app must read Synced (or
// Failed), not Syncing until the next reconcile run minutes later. Real Redis, real records.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AppConfig } from "../../../src/config/schema.ts";
import { readOverviews } from "../../../src/status/overview.ts";
import { deployLockKey } from "../../../src/keys.ts";
import type { RedisClient } from "../../../src/queue/connection.ts";
import { redisLock } from "../../../src/queue/lock.ts";
import { writeAppStatus } from "../../../src/reconcile/status.ts";
import type { AppSyncStatus } from "../../../src/reconcile/types.ts";
import { recordDeployment, recordNothingToDo, type DeploymentRecord } from "../../../src/sync/history.ts";
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
    await recordNothingToDo(redis, prefix, app.name);
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
    await recordNothingToDo(redis, prefix, app.name);
    expect(await syncOf()).toBe("OutOfSync");
  });

  it("reads Unknown when the only sync since a stale Syncing was skipped", async () => {
    await status("Syncing", 30);
    await recordDeployment(redis, prefix, app.name, record("skipped", 10));
    expect(await syncOf()).toBe("Unknown");
  });
});
