// The adapter over the sync engine's history (src/sync/history.ts) on the real Redis: the last
// healthy revision is the applied state, the bad mark the failed revision, a newest failed
// deployment that was not rolled back means "nothing to compare with", and a correction lands
// in the deployment history with trigger selfHeal.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RedisClient } from "../../../src/queue/connection.ts";
import { createHistoryRecorder, createSyncHistoryStore } from "../../../src/reconcile/sync-store.ts";
import {
  markBadRevision,
  readHistory,
  recordDeployment,
  saveHealthyRevision,
} from "../../../src/sync/history.ts";
import { testSeal } from "../../support/state.ts";
import { configMap, stamp } from "./helpers.ts";
import { closeTestRedis, openTestRedis } from "../../support/redis-prefix.ts";

const seal = testSeal();
let redis: RedisClient;
let prefix: string;
const app = "store";

beforeEach(() => {
  ({ redis, prefix } = openTestRedis());
});

afterEach(() => closeTestRedis(redis, prefix));

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
    const store = createSyncHistoryStore(redis, prefix, seal);
    expect(await store.lastApplied(app)).toBeUndefined();
    const objects = [stamp(app, configMap("ns"))];
    await saveHealthyRevision(redis, prefix, seal, app, "a".repeat(40), objects);
    await recordDeployment(redis, prefix, app, record("succeeded", "a".repeat(40)));
    expect(await store.lastApplied(app)).toMatchObject({ revision: "a".repeat(40), objects });

    await markBadRevision(redis, prefix, app, "b".repeat(40));
    await recordDeployment(redis, prefix, app, record("rolled-back", "b".repeat(40)));
    expect(await store.lastFailedRevision(app)).toBe("b".repeat(40));
    expect(await store.lastApplied(app)).toMatchObject({ revision: "a".repeat(40) });

    await createHistoryRecorder(redis, prefix)(app, {
      at: new Date().toISOString(),
      durationMs: 12,
      revision: "a".repeat(40),
      objects: [
        { key: "/ConfigMap/ns/settings", state: "deleted", summary: ["ConfigMap ns/settings was deleted"] },
      ],
    });
    const [newest] = await readHistory(redis, prefix, app);
    expect(newest).toMatchObject({
      trigger: "selfHeal",
      result: "succeeded",
      reason: "Healed",
      changed: 1,
      message: "ConfigMap ns/settings was deleted",
    });
  });

  it("has no applied state while a failed revision that changed objects is in the cluster", async () => {
    const store = createSyncHistoryStore(redis, prefix, seal);
    await saveHealthyRevision(redis, prefix, seal, app, "a".repeat(40), [stamp(app, configMap("ns"))]);
    await recordDeployment(redis, prefix, app, { ...record("failed", "c".repeat(40)), changed: 0 });
    expect(await store.lastApplied(app)).toMatchObject({ revision: "a".repeat(40) });

    await recordDeployment(redis, prefix, app, record("failed", "c".repeat(40)));
    expect(await store.lastApplied(app)).toBeUndefined();
  });

  it("says refused, not 'nothing recorded', for a healthy record that does not open", async () => {
    const store = createSyncHistoryStore(redis, prefix, seal);
    await saveHealthyRevision(redis, prefix, testSeal(), app, "a".repeat(40), [stamp(app, configMap("ns"))]);
    expect(await store.lastApplied(app)).toBe("refused");
  });
});
