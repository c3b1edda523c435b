// The adapter over the sync engine's history (src/sync/history.ts) on the real Redis: the last
// healthy revision is the applied state, the bad mark the failed revision, a newest failed
// deployment that was not rolled back means "nothing to compare with", and a correction lands
// in the deployment history with trigger selfHeal.
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { createRedis } from "../../../src/queue/connection.ts";
import { createHistoryRecorder, createSyncHistoryStore } from "../../../src/reconcile/sync-store.ts";
import {
  markBadRevision,
  readHistory,
  recordDeployment,
  saveHealthyRevision,
} from "../../../src/sync/history.ts";
import { configMap, stamp } from "./helpers.ts";

let redis: Redis;
let app: string;

beforeEach(() => {
  redis = createRedis(inject("redisUrl"), "worker");
  // The sync history has no key prefix: a random app name keeps this test to itself.
  app = `store-${randomBytes(4).toString("hex")}`;
});

afterEach(async () => {
  const keys = await redis.keys(`ferry:sync:${app}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const record = (result: "succeeded" | "failed" | "rolled-back", revision: string) => ({
  revision,
  trigger: "webhook" as const,
  startedAt: new Date().toISOString(),
  durationMs: 10,
  result,
  changed: 1,
  health: "Healthy",
});

describe("sync history store", () => {
  it("reads the healthy revision and the bad mark, and records corrections as history", async () => {
    const store = createSyncHistoryStore(redis);
    expect(await store.lastApplied(app)).toBeUndefined();
    const objects = [stamp(app, configMap("ns"))];
    await saveHealthyRevision(redis, app, "a".repeat(40), objects);
    await recordDeployment(redis, app, record("succeeded", "a".repeat(40)));
    expect(await store.lastApplied(app)).toMatchObject({ revision: "a".repeat(40), objects });

    await markBadRevision(redis, app, "b".repeat(40));
    await recordDeployment(redis, app, record("rolled-back", "b".repeat(40)));
    expect(await store.lastFailedRevision(app)).toBe("b".repeat(40));
    expect((await store.lastApplied(app))?.revision).toBe("a".repeat(40));

    await createHistoryRecorder(redis)(app, {
      at: new Date().toISOString(),
      durationMs: 12,
      revision: "a".repeat(40),
      objects: [
        { key: "/ConfigMap/ns/settings", state: "deleted", summary: ["ConfigMap ns/settings was deleted"] },
      ],
    });
    const [newest] = await readHistory(redis, app);
    expect(newest).toMatchObject({
      trigger: "selfHeal",
      result: "succeeded",
      changed: 1,
      reason: "ConfigMap ns/settings was deleted",
    });
  });

  it("has no applied state while a failed revision that changed objects is in the cluster", async () => {
    const store = createSyncHistoryStore(redis);
    await saveHealthyRevision(redis, app, "a".repeat(40), [stamp(app, configMap("ns"))]);
    await recordDeployment(redis, app, { ...record("failed", "c".repeat(40)), changed: 0 });
    expect((await store.lastApplied(app))?.revision).toBe("a".repeat(40));
    await recordDeployment(redis, app, record("failed", "c".repeat(40)));
    expect(await store.lastApplied(app)).toBeUndefined();
  });
});
