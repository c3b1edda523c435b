// The three BullMQ queues, created from a connection that the caller owns. Workers and the
// receiver must agree on names and prefix: both come from here.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { queueNames, type QueueKind } from "./types.ts";

export type Queues = Record<QueueKind, Queue>;

export interface QueueOptions {
  /** BullMQ key prefix; tests pass a random one to isolate themselves. Default BullMQ's own. */
  prefix?: string;
}

export function createQueues(connection: Redis, options: QueueOptions = {}): Queues {
  const make = (kind: QueueKind) =>
    new Queue(queueNames[kind], {
      connection,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    });
  return { preview: make("preview"), sync: make("sync"), reconcile: make("reconcile") };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.allSettled(Object.values(queues).map((queue) => queue.close()));
}
