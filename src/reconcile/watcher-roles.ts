// The watcher role, one per cluster: each cluster's watches are run by exactly one process,
// held with a lease per cluster (the shared Redis lock of src/queue/lock.ts, renewed every
// tick), so watch load grows with clusters and not with workers. The roles are spread: every
// process that runs a watcher announces itself (a heartbeat in a sorted set) and takes free
// roles only up to its fair share (ceil(clusters / processes)); one holding more than its share
// hands the extra back, and a process that stops renewing (it died) loses its roles when their
// leases expire, so the others take them over.
import { createHash, randomUUID } from "node:crypto";
import type { RedisClient } from "../queue/connection.ts";
import { redisLock } from "../queue/lock.ts";
import { watcherKey, watchersKey } from "../keys.ts";

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
  /** The clusters whose lease this process holds (renewed at each tick). */
  const held = new Set<string>();
  const leaseOf = (cluster: string) => redisLock(redis, watcherKey(prefix, cluster), leaseMs, token);
  // Each process tries the clusters in its own order, so two starting together do not race
  // for the same role first.
  const order = (cluster: string) => createHash("sha256").update(`${token} ${cluster}`).digest("hex");

  /** Heartbeat, forget processes silent for a lease, count the rest: one round trip. */
  const processes = async (): Promise<number> => {
    const now = Date.now();
    const key = watchersKey(prefix);
    const replies = await redis
      .multi()
      .zadd(key, now, token)
      .zremrangebyscore(key, "-inf", now - leaseMs)
      .pexpire(key, leaseMs * 4)
      .zcard(key)
      .exec();
    const [error, count] = replies?.[3] ?? [new Error("watcher heartbeat: MULTI aborted"), 0];
    if (error) throw error;
    return Math.max(1, Number(count));
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
      for (const cluster of [...held]) if (!(await leaseOf(cluster).renew())) held.delete(cluster);
      const sorted = [...clusters].sort((a, b) => order(a).localeCompare(order(b)));
      for (const cluster of sorted) {
        if (held.size >= share) break;
        if (!held.has(cluster) && (await leaseOf(cluster).take())) held.add(cluster);
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
