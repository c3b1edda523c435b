// "This state was just written": one message on a Redis pub/sub channel (keys.ts
// changesChannel) each time a deployment record, a reconcile status or a preview page is saved,
// in the same MULTI as the write. The UI's live pages (ui/events.ts) listen, so a page updates
// within moments of a sync, heal or preview finishing, in whichever process wrote it. Pub/sub
// keeps nothing: a listener that was away reloads the page's state when it reconnects.
import { Cluster } from "ioredis";
import { z } from "zod";
import { parseJsonOrUndefined } from "../json.ts";
import { changesChannel } from "../keys.ts";
import type { RedisClient } from "../queue/connection.ts";

const changeSchema = z.union([z.strictObject({ app: z.string() }), z.strictObject({ preview: z.string() })]);
export type Change = z.infer<typeof changeSchema>;

export function changeMessage(change: Change): string {
  return JSON.stringify(change);
}

/**
 * Says that something a page shows changed without a state write to carry the message: an
 * app's lock was released (pages show a held lock as Syncing, status/overview.ts).
 */
export async function announceChange(redis: RedisClient, prefix: string, change: Change): Promise<void> {
  await redis.publish(changesChannel(prefix), changeMessage(change));
}

export interface ChangeFeed {
  /** Calls `listener` on every change until the returned function is called. */
  subscribe(listener: (change: Change) => void): () => void;
  close(): Promise<void>;
}

/**
 * One subscriber connection per process, opened when the first listener arrives and closed
 * when the last one leaves, so a process whose pages nobody watches holds no extra connection.
 */
export function changeFeed(redis: RedisClient, prefix: string): ChangeFeed {
  const listeners = new Set<(change: Change) => void>();
  let subscriber: RedisClient | undefined;
  const channel = changesChannel(prefix);

  const open = () => {
    // Its own connection (a subscribed one can do nothing else), queueing the SUBSCRIBE until
    // connected; ioredis subscribes again after each reconnect.
    const connection =
      redis instanceof Cluster
        ? redis.duplicate(undefined, { enableOfflineQueue: true })
        : redis.duplicate({ enableOfflineQueue: true });
    connection.on("error", () => undefined);
    connection.on("message", (from: string, text: string) => {
      if (from !== channel) return;
      const change = parseJsonOrUndefined(changeSchema, text);
      if (change === undefined) return;
      for (const listener of listeners) listener(change);
    });
    void connection.subscribe(channel).catch(() => undefined);
    return connection;
  };
  const close = async () => {
    const connection = subscriber;
    subscriber = undefined;
    if (connection) await connection.quit().catch(() => connection.disconnect());
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      subscriber ??= open();
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) void close();
      };
    },
    close: async () => {
      listeners.clear();
      await close();
    },
  };
}
