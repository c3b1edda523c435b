// A controller fighting Ferry: the second correction within the backoff window waits (status
// says so) and is then made by the delayed heal retry, not by a hot loop. And `kubectl scale`
// (the scale subresource) is explained with the subresource.
import { afterEach, describe, expect, it } from "vitest";
import { send } from "../../../src/kube/request.ts";
import { readCorrections } from "../../../src/reconcile/heal.ts";
import { readAppStatus } from "../../../src/reconcile/status.ts";
import type { Watcher } from "../../../src/reconcile/watcher.ts";
import { testKubeConfig, useNamespace } from "../../support/cluster.ts";
import {
  appConfig,
  applyAsFerry,
  deployment,
  deploymentPath,
  eventually,
  harness,
  mergePatch,
  liveReplicas,
  testWatcher,
  type Harness,
} from "./helpers.ts";

const ns = useNamespace("backoff");
let h: Harness | undefined;
let watcher: Watcher | undefined;

afterEach(async () => {
  await watcher?.stop();
  await h?.close();
  [h, watcher] = [undefined, undefined];
});

async function start(selfHeal: boolean): Promise<Harness> {
  const app = appConfig("fight", ns.name, { sync: { selfHeal } });
  const harnessed = harness([app], { backoff: { baseMs: 4_000, factor: 3, maxMs: 60_000, quietMs: 60_000 } });
  h = harnessed;
  await applyAsFerry(harnessed, app.name, "d".repeat(40), [deployment(ns.name, 2)]);
  harnessed.startWorker();
  const started = testWatcher(harnessed, { debounceMs: 50 });
  watcher = started;
  await eventually("the watcher to list", () => Promise.resolve(started.isWatching()));
  return harnessed;
}

describe("self-heal backoff against a fighting controller", () => {
  it("backs off the second correction, then makes it with the delayed retry", async () => {
    const harnessed = await start(true);
    await mergePatch(deploymentPath(ns.name), { spec: { replicas: 6 } }, "fighter");
    await eventually("the first correction", async () => (await liveReplicas(ns.name)) === 2);
    await mergePatch(deploymentPath(ns.name), { spec: { replicas: 7 } }, "fighter");
    const waiting = await eventually("a backing-off status", async () => {
      const status = await readAppStatus(harnessed.redis, "fight", harnessed.prefix);
      return status?.message?.startsWith("self-heal backing off") ? status : undefined;
    });
    expect(waiting.status).toBe("OutOfSync");
    expect(waiting.drifted[0]?.summary).toEqual([
      `Deployment ${ns.name}/web: fighter changed spec.replicas 2 → 7`,
    ]);
    expect(await liveReplicas(ns.name)).toBe(7);
    await eventually("the delayed correction", async () => (await liveReplicas(ns.name)) === 2, 30_000);
    // The correction is recorded just after its apply: wait for the record, then count exactly.
    await eventually("the second correction's record", async () =>
      (await readCorrections(harnessed.redis, harnessed.prefix, "fight")).length >= 2 ? true : undefined,
    );
    expect(await readCorrections(harnessed.redis, harnessed.prefix, "fight")).toHaveLength(2);
    // The retry run (trigger heal) is timed once it has written the status, just after the apply.
    await eventually("the heal run's duration", async () =>
      (await harnessed.registry.getSingleMetricAsString("ferry_reconcile_duration_seconds")).includes(
        'trigger="heal"',
      ),
    );
  });

  it("explains kubectl scale with the scale subresource", async () => {
    const harnessed = await start(false);
    const res = await send(testKubeConfig(), {
      method: "PATCH",
      path: `${deploymentPath(ns.name)}/scale`,
      query: { fieldManager: "kubectl" },
      contentType: "application/merge-patch+json",
      body: { spec: { replicas: 3 } },
    });
    expect(res.status).toBe(200);
    const status = await eventually("OutOfSync", async () => {
      const current = await readAppStatus(harnessed.redis, "fight", harnessed.prefix);
      return current?.status === "OutOfSync" ? current : undefined;
    });
    expect(status.drifted[0]?.summary).toEqual([
      `Deployment ${ns.name}/web: kubectl (scale) changed spec.replicas 2 → 3`,
    ]);
  });
});
