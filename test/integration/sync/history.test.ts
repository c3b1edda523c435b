// History and rollback bookkeeping against the harness's real Redis.
import { randomBytes } from "node:crypto";
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
import { sha, useRedis } from "./helpers.ts";

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

  it("stores the last healthy manifests compressed and gives them back intact", async () => {
    const app = appName();
    const objects: KubeObject[] = Array.from({ length: 50 }, (_, i) => ({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: `cm-${i}`, namespace: "shop", labels: { "ferry.dev/app": app } },
      data: { text: "the same line again\n".repeat(40) },
    }));
    expect(await readHealthyRevision(redis.client, redis.prefix, app)).toBeUndefined();
    await saveHealthyRevision(redis.client, redis.prefix, app, sha(4), objects);
    const stored = await redis.client.hget(syncKey(redis.prefix, app, "healthy"), "manifests");
    expect(stored?.length).toBeLessThan(JSON.stringify(objects).length / 10);
    const healthy = await readHealthyRevision(redis.client, redis.prefix, app);
    expect(healthy?.revision).toBe(sha(4));
    expect(healthy?.objects).toEqual(objects);
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
