// History and rollback bookkeeping against the harness's real Redis.
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/kube/types.ts";
import { syncKey } from "../../../src/keys.ts";
import {
  badRevision,
  clearBadRevision,
  isBadRevision,
  markBadRevision,
  readHealthyRevision,
  readHistory,
  recordDeployment,
  saveHealthyRevision,
  type DeploymentRecord,
} from "../../../src/sync/history.ts";
import { captureLogs } from "../../support/logs.ts";
import { testSeal } from "../../support/state.ts";
import { sha, useRedis } from "./helpers.ts";
import { outcome } from "../../../src/outcome.ts";

const appName = () => `hist-${randomBytes(4).toString("hex")}`;

function record(n: number): DeploymentRecord {
  return {
    revision: sha(n),
    trigger: "webhook",
    author: "octocat",
    changeRequest: n,
    startedAt: new Date(1_700_000_000_000 + n * 1000).toISOString(),
    durationMs: 1200 + n,
    result: "succeeded",
    changed: n % 3,
    health: "Healthy",
  };
}

describe("sync history in Redis", () => {
  const redis = useRedis();

  it("keeps the last 20 deployments, newest first, and skips unreadable entries", async () => {
    const app = appName();
    for (let n = 1; n <= 25; n++) await recordDeployment(redis.client, redis.prefix, app, record(n));
    await redis.client.lpush(
      syncKey(redis.prefix, app, "history"),
      "{not json",
      JSON.stringify({ revision: "x" }),
    );
    const history = await readHistory(redis.client, redis.prefix, app);
    expect(history.map((h) => h.changeRequest)).toEqual([
      25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8,
    ]);
    expect(history[0]).toEqual(record(25));
  });

  it("reads a record written before reasons were kept: its text is the message, and it has no reason", async () => {
    const app = appName();
    const legacy = { ...record(1), result: "rolled-back", reason: "rolled back to 0000000: web not ready" };
    await redis.client.lpush(syncKey(redis.prefix, app, "history"), JSON.stringify(legacy));
    await recordDeployment(redis.client, redis.prefix, app, {
      ...record(2),
      ...outcome("RolledBack", "rolled back to 0000000: api not ready"),
    });
    const [newest, older] = await readHistory(redis.client, redis.prefix, app);
    expect(newest).toMatchObject({
      result: "rolled-back",
      reason: "RolledBack",
      message: "rolled back to 0000000: api not ready",
    });
    expect(older).toMatchObject({ result: "rolled-back", message: "rolled back to 0000000: web not ready" });
    expect(older?.reason).toBeUndefined();
  });

  it("stores the last healthy manifests compressed and gives them back intact", async () => {
    const app = appName();
    const objects: KubeObject[] = Array.from({ length: 50 }, (_, i) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `cm-${i}`, namespace: "shop", labels: { "ferry.dev/app": app } },
      data: { text: "the same line again\n".repeat(40) },
    }));
    const seal = testSeal();
    expect(await readHealthyRevision(redis.client, redis.prefix, seal, app)).toEqual({ state: "none" });
    await saveHealthyRevision(redis.client, redis.prefix, seal, app, sha(4), objects);
    const stored = await redis.client.hget(syncKey(redis.prefix, app, "healthy"), "manifests");
    expect(stored?.length).toBeLessThan(JSON.stringify(objects).length / 10);
    const healthy = await readHealthyRevision(redis.client, redis.prefix, seal, app);
    expect(healthy).toMatchObject({ state: "verified", revision: sha(4), objects });
    await redis.client.del(syncKey(redis.prefix, app, "healthy"));
  });

  it("refuses healthy manifests that were not sealed by a worker key, counts and logs it once", async () => {
    const app = appName();
    const registry = new Registry();
    const logs = captureLogs("warn");
    const seal = testSeal({ registry, logger: logs.logger });
    const objects: KubeObject[] = [
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "settings", namespace: "shop" },
        data: { a: "1" },
      },
    ];
    await saveHealthyRevision(redis.client, redis.prefix, seal, app, sha(5), objects);
    const key = syncKey(redis.prefix, app, "healthy");
    const genuine = (await redis.client.hget(key, "manifests")) ?? "";
    const forged: KubeObject[] = [{ ...objects[0]!, data: { a: "planted" } }];
    const attempts: Array<() => Promise<unknown>> = [
      // What Ferry stored before records were sealed: gzip + base64 of the objects.
      () => redis.client.hset(key, { manifests: gzipSync(JSON.stringify(forged)).toString("base64") }),
      () =>
        redis.client.hset(key, {
          manifests: gzipSync(JSON.stringify({ revision: sha(5), at: "", objects: forged })).toString(
            "base64",
          ),
        }),
      // One flipped bit of the genuine record.
      () => redis.client.hset(key, { manifests: flipLastBit(genuine) }),
      // Sealed exactly as Ferry does, but under a key this installation does not hold.
      () => saveHealthyRevision(redis.client, redis.prefix, testSeal(), app, sha(5), forged),
    ];
    for (const tamper of attempts) {
      await tamper();
      expect(await readHealthyRevision(redis.client, redis.prefix, seal, app)).toEqual({
        state: "refused",
        claimed: sha(5),
      });
    }
    // The same record copied to another app does not open there either.
    const other = appName();
    await redis.client.hset(syncKey(redis.prefix, other, "healthy"), {
      revision: sha(5),
      manifests: genuine,
    });
    expect((await readHealthyRevision(redis.client, redis.prefix, seal, other)).state).toBe("refused");

    const counted = await registry.getSingleMetricAsString("ferry_state_refused_total");
    expect(counted).toContain(`ferry_state_refused_total{record="healthy"} ${attempts.length + 1}`);
    const refusals = logs.lines().filter((line) => String(line.msg).startsWith("stored state refused"));
    expect(refusals.map((line) => line.context)).toEqual([`healthy:${app}`, `healthy:${other}`]);
    await redis.client.del(key, syncKey(redis.prefix, other, "healthy"));
  });

  it("opens records sealed under a previous key after a rotation and seals with the new one", async () => {
    const app = appName();
    const [oldKey, newKey] = [randomBytes(32).toString("base64"), randomBytes(32).toString("base64")];
    const objects: KubeObject[] = [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "r" } }];
    await saveHealthyRevision(redis.client, redis.prefix, testSeal({ keys: [oldKey] }), app, sha(6), objects);
    const rotated = testSeal({ keys: [newKey, oldKey] });
    expect(await readHealthyRevision(redis.client, redis.prefix, rotated, app)).toMatchObject({
      state: "verified",
      objects,
    });
    await saveHealthyRevision(redis.client, redis.prefix, rotated, app, sha(7), objects);
    // Once rewritten, the old key is no longer needed.
    expect(
      await readHealthyRevision(redis.client, redis.prefix, testSeal({ keys: [newKey] }), app),
    ).toMatchObject({
      state: "verified",
      revision: sha(7),
    });
    expect(
      (await readHealthyRevision(redis.client, redis.prefix, testSeal({ keys: [oldKey] }), app)).state,
    ).toBe("refused");
    await redis.client.del(syncKey(redis.prefix, app, "healthy"));
  });

  it("marks one bad revision per app until it is replaced or cleared", async () => {
    const app = appName();
    expect(await isBadRevision(redis.client, redis.prefix, app, sha(1))).toBe(false);
    await markBadRevision(redis.client, redis.prefix, app, sha(1));
    expect(await isBadRevision(redis.client, redis.prefix, app, sha(1))).toBe(true);
    expect(await isBadRevision(redis.client, redis.prefix, app, sha(2))).toBe(false);
    expect(await isBadRevision(redis.client, redis.prefix, appName(), sha(1))).toBe(false);
    await markBadRevision(redis.client, redis.prefix, app, sha(2));
    expect(await badRevision(redis.client, redis.prefix, app)).toBe(sha(2));
    await clearBadRevision(redis.client, redis.prefix, app);
    expect(await badRevision(redis.client, redis.prefix, app)).toBeUndefined();
  });
});

function flipLastBit(base64: string): string {
  const bytes = Buffer.from(base64, "base64");
  bytes[bytes.length - 1]! ^= 1;
  return bytes.toString("base64");
}
