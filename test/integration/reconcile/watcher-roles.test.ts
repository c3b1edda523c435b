// The per-cluster watcher roles (src/reconcile/watcher-roles.ts) on the real Redis: each
// cluster's role is held by one process, roles spread to a fair share, a process that joins
// gets its share handed over, and one that stops (or dies) leaves its roles to the others.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { watcherKey } from "../../../src/keys.ts";
import type { RedisClient } from "../../../src/queue/connection.ts";
import { createWatcherRoles } from "../../../src/reconcile/watcher-roles.ts";
import { waitFor } from "../../support/process.ts";
import { closeTestRedis, openTestRedis } from "../../support/redis-prefix.ts";

let redis: RedisClient;
let prefix: string;
const clusters = ["east", "west", "north"];

beforeEach(() => {
  ({ redis, prefix } = openTestRedis());
});

afterEach(() => closeTestRedis(redis, prefix));

const sizes = (...held: Array<ReadonlySet<string>>) => held.map((set) => set.size);

describe("watcher roles per cluster", () => {
  it("spread over the processes, one holder per cluster, handed over on join and on stop", async () => {
    const a = createWatcherRoles(redis, prefix, 10_000);
    const b = createWatcherRoles(redis, prefix, 10_000);

    // Alone, a takes every cluster.
    expect([...(await a.tick(clusters))].sort()).toEqual([...clusters].sort());
    // b joins: its share is ceil(3 / 2) = 2, but all roles are held; a hands back one.
    expect((await b.tick(clusters)).size).toBe(0);
    const aHeld = await a.tick(clusters);
    const bHeld = await b.tick(clusters);
    expect(sizes(aHeld, bHeld)).toEqual([2, 1]);
    expect([...aHeld, ...bHeld].sort()).toEqual([...clusters].sort());
    // Each lease names its one holder.
    for (const cluster of clusters) {
      const holder = await redis.get(watcherKey(prefix, cluster));
      expect(holder).toBe(aHeld.has(cluster) ? a.token : b.token);
    }
    // Stable: another round changes nothing.
    expect(sizes(await a.tick(clusters), await b.tick(clusters))).toEqual([2, 1]);

    // a stops: b takes everything.
    await a.release();
    expect([...(await b.tick(clusters))].sort()).toEqual([...clusters].sort());
  });

  it("takes over the roles of a process that died once their leases expire", async () => {
    const dead = createWatcherRoles(redis, prefix, 300);
    const alive = createWatcherRoles(redis, prefix, 300);
    expect((await dead.tick(clusters)).size).toBe(3);
    expect((await alive.tick(clusters)).size).toBe(0);
    // `dead` never ticks again (no release): its leases and heartbeat run out.
    let held: ReadonlySet<string> = new Set();
    await waitFor("the live process to hold every role", async () => {
      held = await alive.tick(clusters);
      return held.size === 3;
    });
    expect([...held].sort()).toEqual([...clusters].sort());
  });

  it("lets go of a cluster that is no longer configured", async () => {
    const roles = createWatcherRoles(redis, prefix, 10_000);
    expect((await roles.tick(clusters)).size).toBe(3);
    expect([...(await roles.tick(["east"]))]).toEqual(["east"]);
    expect(await redis.get(watcherKey(prefix, "west"))).toBeNull();
  });
});
