// BullMQ needs Redis to never evict keys: an evicted key is a lost job, a forgotten delivery
// (then processed twice) or a lock that vanishes under its holder. Redis evicts only when
// `maxmemory-policy` is not `noeviction` and `maxmemory` is reached, which may be weeks after
// start-up; so Ferry reads the policy when it starts and refuses a Redis that may evict.
// A Redis that does not let Ferry read it (CONFIG renamed by a managed service, or an ACL user
// without +config|get) is accepted with a warning: Ferry cannot know, the operator can.
import { Cluster } from "ioredis";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { RedisClient } from "./connection.ts";

export const REQUIRED_EVICTION_POLICY = "noeviction";

export type EvictionPolicy = { node: string; policy: string } | { node: string; unreadable: string };

async function policyOf(redis: Exclude<RedisClient, Cluster>, node: string): Promise<EvictionPolicy> {
  try {
    const answer = await redis.config("GET", "maxmemory-policy");
    return { node, policy: answer[1] ?? "" };
  } catch (error) {
    return { node, unreadable: error instanceof Error ? error.message : String(error) };
  }
}

/** The policy of every node that holds Ferry's keys: the master, or each Cluster master. */
export async function evictionPolicies(redis: RedisClient): Promise<EvictionPolicy[]> {
  if (!(redis instanceof Cluster)) return [await policyOf(redis, "redis")];
  try {
    // The masters are known once the cluster connection is ready.
    await redis.ping();
  } catch (error) {
    return [{ node: "cluster", unreadable: error instanceof Error ? error.message : String(error) }];
  }
  return Promise.all(
    redis.nodes("master").map((node) => policyOf(node, `${node.options.host}:${node.options.port}`)),
  );
}

/**
 * Refuses to go on (CONFIG_INVALID) when a node may evict keys; warns when a node's policy
 * cannot be read. Waits for Redis as the connection's role does.
 */
export async function checkEvictionPolicy(redis: RedisClient, logger: Logger): Promise<void> {
  const policies = await evictionPolicies(redis);
  for (const found of policies) {
    if ("unreadable" in found) {
      logger.warn(
        { node: found.node, reason: found.unreadable },
        `cannot read Redis maxmemory-policy: make sure it is ${REQUIRED_EVICTION_POLICY}`,
      );
    }
  }
  const evicting = policies.filter((found) => "policy" in found && found.policy !== REQUIRED_EVICTION_POLICY);
  if (evicting.length === 0) return;
  const which = evicting.map((found) => `${found.node}: ${"policy" in found ? found.policy : ""}`).join(", ");
  throw new AppError(
    "CONFIG_INVALID",
    `Redis maxmemory-policy must be ${REQUIRED_EVICTION_POLICY} (${which}): with eviction, Redis may drop queued jobs, delivery records and locks once maxmemory is reached. Set "maxmemory-policy ${REQUIRED_EVICTION_POLICY}" on every Redis node.`,
  );
}
