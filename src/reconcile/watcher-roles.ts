// The watcher role, one per cluster: each cluster's watches are run by exactly one process,
// held with a lease per cluster (src/reconcile/lease.ts), so watch load grows with clusters and
// not with workers. The roles are spread: every process that runs a watcher announces itself
// (a heartbeat in a sorted set) and takes free roles only up to its fair share
// (ceil(clusters / processes)); one holding more than its share hands the extra back, and a
// process that stops renewing (it died) loses its roles when their leases expire, so the others
// take them over.
import { createHash } from "node:crypto";
import { randomUUID } from "node:crypto";
import type { RedisClient } from "../queue/connection.ts";
import { watcherKey, watchersKey } from "../keys.ts";
import { createLease, type Lease } from "./lease.ts";

export interface WatcherRoles {
  readonly token: string;
  /**
   * One round: heartbeat, renew the held roles, take free ones up to the fair share, hand back
   * extra ones. Returns the clusters whose role this process holds now.
   */
  tick(clusters: readonly string[]): Promise<ReadonlySet<string>>;
  release(): Promise<void>;
}

export function createWatcherRoles(redis: RedisClient, prefix: string, leaseMs: number): WatcherRoles {
  const token = randomUUID();
  const leases = new Map<string, Lease>();
  const held = new Set<string>();
  const leaseOf = (cluster: string) => {
    let lease = leases.get(cluster);
    if (!lease) {
      lease = createLease(redis, watcherKey(prefix, cluster), leaseMs, token);
      leases.set(cluster, lease);
    }
    return lease;
  };
  // Each process tries the clusters in its own order, so two starting together do not race
  // for the same role first.
  const order = (cluster: string) => createHash("sha256").update(`${token} ${cluster}`).digest("hex");

  const processes = async (): Promise<number> => {
    const now = Date.now();
    const key = watchersKey(prefix);
    await redis.zadd(key, now, token);
    await redis.zremrangebyscore(key, "-inf", now - leaseMs);
    await redis.pexpire(key, leaseMs * 4);
    return Math.max(1, await redis.zcard(key));
  };

  const drop = async (cluster: string) => {
    held.delete(cluster);
    await leaseOf(cluster).release();
  };

  return {
    token,
    async tick(clusters) {
      const share = Math.ceil(clusters.length / (await processes()));
      for (const cluster of [...held]) if (!clusters.includes(cluster)) await drop(cluster);
      for (const cluster of [...held]) if (!(await leaseOf(cluster).hold())) held.delete(cluster);
      const sorted = [...clusters].sort((a, b) => order(a).localeCompare(order(b)));
      for (const cluster of sorted) {
        if (held.size >= share) break;
        if (!held.has(cluster) && (await leaseOf(cluster).hold())) held.add(cluster);
      }
      // Hand back what is over the share (a process joined): its roles go to the newcomer.
      for (const cluster of sorted.filter((name) => held.has(name)).slice(share)) await drop(cluster);
      return new Set(held);
    },
    async release() {
      await Promise.allSettled([...held].map((cluster) => leaseOf(cluster).release()));
      held.clear();
      await redis.zrem(watchersKey(prefix), token);
    },
  };
}
