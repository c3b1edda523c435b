// Many commands in one round trip: an ioredis pipeline (not MULTI: the readers that use it need
// no atomicity, only fewer round trips than one command per app). On Redis Cluster ioredis sends
// a pipeline to one node and refuses one whose keys are spread over nodes; every key the callers
// pass starts with the key prefix, which must carry a hash tag on Cluster (config/schema.ts), so
// all of them are in the prefix's one slot (src/keys.ts).
import type { ChainableCommander } from "ioredis";
import type { RedisClient } from "./connection.ts";

/** Runs the commands `queue` adds, in one round trip; their replies in order, or the first error. */
export async function pipelined(
  redis: RedisClient,
  queue: (pipeline: ChainableCommander) => void,
): Promise<unknown[]> {
  const pipeline = redis.pipeline();
  queue(pipeline);
  if (pipeline.length === 0) return [];
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
