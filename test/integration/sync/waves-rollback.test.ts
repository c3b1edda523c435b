// Waves wait for health before the next one, a revision that never becomes healthy is rolled
// back to the last healthy manifests, then skipped by automatic syncs, and a revision the API
// refuses is refused before anything is written.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/kube/types.ts";
import { isBadRevision, readHealthyRevision, readHistory } from "../../../src/sync/history.ts";
import { NEVER_READY_LABEL, testKubeClient, useNamespace } from "../../support/cluster.ts";
import { configMap, deployment, makeApp, seal, service, sha, sync, useRedis } from "./helpers.ts";

function job(name: string, wave: string): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, annotations: { "argocd.argoproj.io/sync-wave": wave } },
    spec: {
      backoffLimit: 0,
      template: {
        spec: { restartPolicy: "Never", containers: [{ name: "migrate", image: "busybox:1.36" }] },
      },
    },
  };
}

const seconds = (timestamp: unknown) => Date.parse(String(timestamp));

describe("runSync waves and rollback", () => {
  const ns = useNamespace("wave");
  const redis = useRedis();

  it("completes a Job in wave -1 before applying the Deployment of wave 0", async () => {
    const app = makeApp(ns.name);
    const outcome = await sync(redis.client, app, [deployment("web"), job("migrate", "-1")], sha(1));
    expect(outcome).toMatchObject({ result: "succeeded", health: { status: "Healthy" } });
    expect(outcome.applied).toEqual([`batch/Job/${ns.name}/migrate`, `apps/Deployment/${ns.name}/web`]);
    const kube = testKubeClient();
    const done = await kube.get({ apiVersion: "batch/v1", kind: "Job", namespace: ns.name, name: "migrate" });
    const web = await kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: ns.name,
      name: "web",
    });
    const completion = seconds((done?.status as { completionTime?: string }).completionTime);
    expect(Number.isNaN(completion)).toBe(false);
    expect(seconds(web?.metadata.creationTimestamp)).toBeGreaterThanOrEqual(completion);
  });

  it("rolls back to the last healthy manifests when health is not reached in time, then skips the bad SHA", async () => {
    const app = makeApp(ns.name, { healthTimeout: "10s" });
    const kube = testKubeClient();
    const good = [configMap("settings"), deployment("web", { image: "nginx:1.27" })];
    expect((await sync(redis.client, app, good, sha(1))).result).toBe("succeeded");

    const bad = [
      configMap("settings", { key: "new" }),
      deployment("web", { image: "nginx:1.28", labels: { [NEVER_READY_LABEL]: "true" } }),
      configMap("added-by-bad"),
    ];
    const outcome = await sync(redis.client, app, bad, sha(2));
    expect(outcome).toMatchObject({
      result: "rolled-back",
      rolledBackTo: sha(1),
      failedStep: "health",
      code: "HEALTH_TIMEOUT",
      health: { status: "Healthy" },
    });
    expect(outcome.message).toMatch(/^rolled back to 0000000: wave 0 not healthy after 10 s: Deployment web/);

    const web = await kube.get({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: ns.name,
      name: "web",
    });
    const template = (web?.spec as { template: { spec: { containers: { image: string }[] } } }).template;
    expect(template.spec.containers[0]?.image).toBe("nginx:1.27");
    const settings = await kube.get({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: ns.name,
      name: "settings",
    });
    expect(settings?.data).toEqual({ key: "settings" });
    expect(await isBadRevision(redis.client, redis.prefix, app.name, sha(2))).toBe(true);
    expect(await readHealthyRevision(redis.client, redis.prefix, seal, app.name)).toMatchObject({
      revision: sha(1),
    });

    // The next automatic sync of the same SHA does nothing; a newer commit is applied again.
    const again = await sync(redis.client, app, bad, sha(2), { trigger: { reason: "poll" } });
    expect(again.result).toBe("skipped");
    const newer = await sync(redis.client, app, good, sha(3));
    expect(newer).toMatchObject({ result: "succeeded", pruned: [`/ConfigMap/${ns.name}/added-by-bad`] });

    const history = await readHistory(redis.client, redis.prefix, app.name);
    expect(history.map((h) => h.result)).toEqual(["succeeded", "rolled-back", "succeeded"]);
    expect(history[1]).toMatchObject({ revision: sha(2), rolledBackTo: sha(1) });
  });

  it("refuses a revision the API rejects before writing anything: nothing applied, no rollback", async () => {
    const app = makeApp(ns.name);
    const kube = testKubeClient();
    expect((await sync(redis.client, app, [configMap("settings")], sha(1))).result).toBe("succeeded");
    // The invalid Service is in a later wave than the changed ConfigMap.
    const invalid = {
      ...service("web"),
      metadata: { name: "web", annotations: { "ferry.dev/sync-wave": "1" } },
      spec: { selector: { app: "web" }, ports: [{ port: 70000 }] },
    };
    const outcome = await sync(redis.client, app, [configMap("settings", { key: "new" }), invalid], sha(2));
    expect(outcome).toMatchObject({
      result: "failed",
      failedStep: "validate",
      code: "KUBE_REJECTED",
      applied: [],
      health: { status: "Unknown" },
    });
    expect(outcome.rolledBackTo).toBeUndefined();
    expect(outcome.message).toMatch(/^Service web: Service "web" is invalid: .*70000/);
    const settings = await kube.get({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: ns.name,
      name: "settings",
    });
    expect(settings?.data).toEqual({ key: "settings" });
    expect(
      await kube.get({ apiVersion: "v1", kind: "Service", namespace: ns.name, name: "web" }),
    ).toBeUndefined();
    expect(await isBadRevision(redis.client, redis.prefix, app.name, sha(2))).toBe(true);
    const history = await readHistory(redis.client, redis.prefix, app.name);
    expect(history.map((record) => record.result)).toEqual(["failed", "succeeded"]);
    expect(history[0]?.rolledBackTo).toBeUndefined();
  });

  it("fails without rollback when there is no healthy revision yet, and marks the SHA bad", async () => {
    const app = makeApp(ns.name, { healthTimeout: "3s" });
    const never = deployment("web", { labels: { [NEVER_READY_LABEL]: "true" } });
    const outcome = await sync(redis.client, app, [never], sha(7));
    expect(outcome).toMatchObject({ result: "failed", failedStep: "health", code: "HEALTH_TIMEOUT" });
    expect(outcome.message).toMatch(/^no healthy revision to roll back to: wave 0 not healthy after 3 s/);
    expect(await isBadRevision(redis.client, redis.prefix, app.name, sha(7))).toBe(true);
  });
});
