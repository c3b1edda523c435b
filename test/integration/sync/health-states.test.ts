// How the health states steer a sync on the real control plane: a paused Deployment is
// Suspended, which counts as done, so the sync succeeds at once instead of running into its
// health timeout (ten minutes here, far beyond the test's own time limit).
import { describe, expect, it } from "vitest";
import { readHistory } from "../../../src/sync/history.ts";
import { NEVER_READY_LABEL, testKubeClient, useNamespace } from "../../support/cluster.ts";
import { configMap, deployment, makeApp, sha, sync, useRedis } from "./helpers.ts";

describe("health states in a sync", () => {
  const ns = useNamespace("health");
  const redis = useRedis();

  it("ends a paused Deployment Suspended and succeeds without waiting for the health timeout", async () => {
    const app = makeApp(ns.name, { healthTimeout: "10m" });
    // Pods that never become ready: only the paused state can end this wait.
    const paused = deployment("web", { labels: { [NEVER_READY_LABEL]: "true" } });
    (paused.spec as Record<string, unknown>).paused = true;
    const outcome = await sync(redis.client, app, [configMap("settings"), paused], sha(1));
    expect(outcome).toMatchObject({
      result: "succeeded",
      health: { status: "Suspended", message: "Deployment web is paused" },
    });
    const live = await testKubeClient().get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: ns.name,
      name: "web",
    });
    expect((live?.spec as { paused?: boolean }).paused).toBe(true);
    const [record] = await readHistory(redis.client, redis.prefix, app.name);
    expect(record).toMatchObject({ result: "succeeded", health: "Suspended" });
  });
});
