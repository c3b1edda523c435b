// The watcher role survives its holder: a watcher in a child process holds the role, is
// killed with SIGKILL (no lease hand-back), and the watcher of this process takes the role
// over once the lease expires and still catches drift.
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { watcherKey } from "../../../src/keys.ts";
import { readAppStatus } from "../../../src/reconcile/status.ts";
import type { Watcher } from "../../../src/reconcile/watcher.ts";
import { useNamespace } from "../../support/cluster.ts";
import { startProcess, type ManagedProcess } from "../../support/process.ts";
import {
  appConfig,
  applyAsFerry,
  configMap,
  deployment,
  deploymentPath,
  eventually,
  harness,
  mergePatch,
  testWatcher,
  type Harness,
} from "./helpers.ts";

const ns = useNamespace("takeover");
const leaseMs = 1_500;
let h: Harness | undefined;
let child: ManagedProcess | undefined;
let standby: Watcher | undefined;

afterEach(async () => {
  await standby?.stop();
  await child?.stop(100);
  await h?.close();
  [h, child, standby] = [undefined, undefined, undefined];
});

describe("watcher role takeover", () => {
  it("another worker takes the role over after the holder is killed and still detects drift", async () => {
    const app = appConfig("shop", ns.name, { sync: { selfHeal: false } });
    h = harness([app]);
    await applyAsFerry(h, app.name, "b".repeat(40), [deployment(ns.name, 2), configMap(ns.name)]);
    h.startWorker();

    const holder = startProcess(
      "watcher",
      join(process.cwd(), "node_modules/.bin/node"),
      [join(import.meta.dirname, "watcher-child.ts")],
      {
        env: {
          ...process.env,
          WATCHER_PREFIX: h.prefix,
          WATCHER_REDIS_URL: inject("redisUrl"),
          WATCHER_KUBECONFIG: inject("kubeconfig"),
          WATCHER_APP: JSON.stringify({
            name: app.name,
            forge: app.forge,
            repo: app.repo,
            destination: app.destination,
            sync: { selfHeal: false },
          }),
          WATCHER_LEASE_MS: String(leaseMs),
        },
      },
    );
    child = holder;
    await eventually("the child watcher to hold the role", () =>
      Promise.resolve(holder.tail().includes("watching")),
    );

    const local = testWatcher(h, { leaseMs, debounceMs: 100 });
    standby = local;
    // The role is taken (by the child): the standby waits.
    expect(await h.redis.get(watcherKey(h.prefix, app.destination.cluster))).not.toBeNull();
    expect(local.isHolder()).toBe(false);

    process.kill(-(holder.child.pid ?? 0), "SIGKILL");
    const killedAt = Date.now();
    await eventually("the standby to take over", () => Promise.resolve(local.isWatching()));
    console.log(`role taken over ${Date.now() - killedAt} ms after SIGKILL (lease ${leaseMs} ms)`);

    await mergePatch(deploymentPath(ns.name), { spec: { replicas: 4 } }, "kubectl-edit");
    const harnessed = h;
    const status = await eventually("drift seen by the new holder", async () => {
      const current = await readAppStatus(harnessed.redis, app.name, harnessed.prefix);
      return current?.status === "OutOfSync" ? current : undefined;
    });
    expect(status.drifted[0]?.summary).toEqual([
      `Deployment ${ns.name}/web: kubectl-edit changed spec.replicas 2 → 4`,
    ]);
  });
});
