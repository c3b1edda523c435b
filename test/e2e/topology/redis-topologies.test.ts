// Issue 17's acceptance on real Redis processes (Debian's redis-server and redis-sentinel on
// loopback) and real Ferry processes (`ferry serve`, `ferry worker`):
// - Sentinel: a master, a replica and three sentinels; signed pushes streamed over the apps
//   while the master is SIGKILLed: every push is answered 202 or 503 with Retry-After (no 500),
//   and afterwards every app is Synced at the last commit pushed to it.
// - Cluster: three masters, the same stream without failover: every app Synced, and no CROSSSLOT
//   anywhere in the processes' output.
// The scale: 300 pushes over 50 apps per stream (about 100 s each on the 2-core machine).
import { Cluster } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { useNamespace } from "../../support/cluster.ts";
import {
  startRedisCluster,
  startSentinelSet,
  type RedisClusterSet,
  type SentinelSet,
} from "../../support/redis-topologies.ts";
import { inParallel, startFleet, type Fleet } from "./fleet.ts";

const APPS = 50;
const PUSHES = 300;

const ns = useNamespace("topology");
let fleet: Fleet | undefined;
let sentinel: SentinelSet | undefined;
let cluster: RedisClusterSet | undefined;

afterEach(async () => {
  await fleet?.stop();
  await sentinel?.stop();
  await cluster?.stop();
  [fleet, sentinel, cluster] = [undefined, undefined, undefined];
});

function expectNoLostAnswer(run: Fleet): void {
  const first = run.answers.filter((answer) => answer.attempt === 0);
  expect(first).toHaveLength(PUSHES);
  // A first delivery is stored (202) or refused for a redelivery (503), never a 500.
  expect(first.filter((answer) => ![202, 503].includes(answer.status))).toEqual([]);
  // Each 503 says when to come back.
  expect(
    run.answers.filter((answer) => answer.status === 503 && !/^\d+$/.test(answer.retryAfter ?? "")),
  ).toEqual([]);
  // Every delivery ends stored: its last answer is 202, or 200 "duplicate" when an earlier
  // attempt of it was stored after all.
  const last = new Map(run.answers.map((answer) => [answer.delivery, answer.status]));
  expect([...last.values()].filter((status) => status !== 202 && status !== 200)).toEqual([]);
}

describe("Redis topologies", () => {
  it(
    "Sentinel: a stream of pushes survives the master's death; every app ends Synced at its last commit",
    { timeout: 600_000 },
    async () => {
      const set = await startSentinelSet("ferry");
      sentinel = set;
      const run = await startFleet({
        redis: { sentinel: { masterName: set.masterName, nodes: set.sentinels } },
        apps: APPS,
        workers: 2,
        namespace: ns.name,
      });
      fleet = run;
      let sent = 0;
      let failedOver: Promise<number> | undefined;
      await inParallel(PUSHES, 8, async (k) => {
        await run.push(k % APPS);
        sent += 1;
        if (sent === PUSHES / 3 && !failedOver) {
          const old = set.master.port;
          await set.killMaster();
          failedOver = set.promoted(old);
        }
      });
      expect(await failedOver).toBe(set.replica.port);
      expectNoLostAnswer(run);
      // The failover did reach the receiver: deliveries during it were refused, then redelivered.
      expect(run.answers.filter((answer) => answer.status === 503).length).toBeGreaterThan(0);
      await run.allSynced(360_000);
    },
  );

  it(
    "Cluster: three masters, every key in one slot: every app Synced, no CROSSSLOT",
    { timeout: 600_000 },
    async () => {
      const set = await startRedisCluster(3);
      cluster = set;
      const run = await startFleet({
        redis: { cluster: { nodes: set.nodes } },
        apps: APPS,
        workers: 2,
        namespace: ns.name,
      });
      fleet = run;
      await inParallel(PUSHES, 8, (k) => run.push(k % APPS));
      expectNoLostAnswer(run);
      // No failover here, but a receiver past its 3 s Redis deadline on a loaded machine still
      // answers 503 + Retry-After, and the redelivery stores the push: checked just above.
      await run.allSynced(360_000);
      expect(run.output()).not.toContain("CROSSSLOT");
      // Ferry's and BullMQ's keys are all in the prefix's slot, on the master that owns it.
      // Counted once the processes are gone, so that no key is written between the two counts.
      await run.stop();
      fleet = undefined;
      const client = new Cluster(
        set.nodes.map((node) => ({ host: "127.0.0.1", port: Number(node.split(":")[1]) })),
      );
      try {
        const slot = Number(await client.cluster("KEYSLOT", run.prefix));
        const counts = await Promise.all(
          client.nodes("master").map(async (node) => Number(await node.cluster("COUNTKEYSINSLOT", slot))),
        );
        const everyKey = await Promise.all(client.nodes("master").map((node) => node.dbsize()));
        expect(counts.filter((count) => count > 0)).toHaveLength(1);
        expect(Math.max(...counts)).toBe(everyKey.reduce((sum, count) => sum + count, 0));
      } finally {
        client.disconnect();
      }
    },
  );
});
