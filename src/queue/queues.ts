// The BullMQ queues, created from a connection that the caller owns. Workers and the
// receiver must agree on names and prefix: both come from here.
import { Queue } from "bullmq";
import type { RedisClient } from "./connection.ts";
import { queuePrefix } from "../keys.ts";
import { queueNames, type QueueKind } from "./types.ts";

export type Queues = Record<QueueKind, Queue>;

export interface QueueOptions {
  /** ferry.yaml's redis.prefix (src/keys.ts); tests pass a random one to isolate themselves. */
  prefix: string;
}

export function createQueues(connection: RedisClient, options: QueueOptions): Queues {
  const make = (kind: QueueKind) => {
    const queue = new Queue(queueNames[kind], { connection, prefix: queuePrefix(options.prefix) });
    // The connection's errors reach its owner's own listener (logged there); a queue without a
    // listener of its own has BullMQ print each one as a raw stack trace on stderr, past the
    // logger's format and level.
    queue.on("error", () => undefined);
    return queue;
  };
  return {
    preview: make("preview"),
    sync: make("sync"),
    reconcile: make("reconcile"),
    command: make("command"),
    image: make("image"),
  };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.allSettled(Object.values(queues).map((queue) => queue.close()));
}
