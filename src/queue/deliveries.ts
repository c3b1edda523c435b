// Delivery deduplication: a forge redelivers the same event (manually, or after a timeout),
// and each delivery must create its jobs at most once. The claim is short-lived until the jobs
// are stored, then kept for 72 hours; a failed enqueue releases it so a redelivery can succeed.
import type { Redis } from "ioredis";
import { whenReady } from "./connection.ts";
import { deliveryKey } from "./job-ids.ts";

export const deliveryRetentionSeconds = 72 * 3600;
/** Long enough to cover one request; short enough that a crash never blocks a redelivery long. */
const claimSeconds = 60;

export interface DeliveryLedger {
  /** True when this delivery is new; false when it was (or is being) processed already. */
  claim(forge: string, deliveryId: string): Promise<boolean>;
  confirm(forge: string, deliveryId: string): Promise<void>;
  release(forge: string, deliveryId: string): Promise<void>;
}

/** `connection` is called for every command, so a caller may open the connection on first use. */
export function createDeliveryLedger(connection: Redis | (() => Redis), prefix: string): DeliveryLedger {
  const client = typeof connection === "function" ? connection : () => connection;
  return {
    claim: async (forge, deliveryId) => {
      const redis = client();
      await whenReady(redis);
      return (
        (await redis.set(deliveryKey(prefix, forge, deliveryId), "pending", "EX", claimSeconds, "NX")) ===
        "OK"
      );
    },
    confirm: async (forge, deliveryId) => {
      await client().set(deliveryKey(prefix, forge, deliveryId), "done", "EX", deliveryRetentionSeconds);
    },
    release: async (forge, deliveryId) => {
      await client().del(deliveryKey(prefix, forge, deliveryId));
    },
  };
}
