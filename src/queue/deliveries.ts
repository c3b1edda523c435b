// Delivery deduplication: a forge redelivers the same event (manually, or after a timeout),
// and each delivery must create its jobs at most once. The claim is short-lived until the jobs
// are stored, then kept for 72 hours; a failed enqueue releases it so a redelivery can succeed.
// A redelivery that meets a claim still pending (its first request is running, or failed and
// could not release it, e.g. during a Redis failover) is not a duplicate yet: it is told to come
// back later (503), never "duplicate" for jobs that may not have been stored.
import { deliveryKey } from "../keys.ts";
import { whenReady, type RedisClient } from "./connection.ts";

export const deliveryRetentionSeconds = 72 * 3600;
/** Long enough to cover one request; short enough that a crash never blocks a redelivery long. */
const claimSeconds = 30;

/** new: go on; done: its jobs were stored before; pending: another request holds the claim. */
export type Claim = "new" | "done" | "pending";

export interface DeliveryLedger {
  claim(forge: string, deliveryId: string): Promise<Claim>;
  confirm(forge: string, deliveryId: string): Promise<void>;
  release(forge: string, deliveryId: string): Promise<void>;
}

// Claims and confirms of the deliveries that arrive together go to Redis as one command each:
// the same SET per key, in arrival order, in one script run. Per-command client work (command
// objects, reply parsing, promises) was a large share of the receiver's CPU per webhook in
// bench/webhooks.bench.ts. Two claims of one key in a batch behave as they would in sequence.
const claimScript = `local claimed = {}
for i, key in ipairs(KEYS) do
  if redis.call("SET", key, "pending", "EX", ARGV[1], "NX") then
    claimed[i] = 1
  elseif redis.call("GET", key) == "done" then
    claimed[i] = 0
  else
    claimed[i] = 2
  end
end
return claimed`;
const claims: Record<number, Claim> = { 0: "done", 1: "new", 2: "pending" };
const confirmScript = `for _, key in ipairs(KEYS) do redis.call("SET", key, "done", "EX", ARGV[1]) end
return #KEYS`;
/** Bounds one script run, which blocks Redis while it runs. */
const maxBatch = 256;

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects the keys asked for until the event loop has served the current round of I/O, then
 * runs them in one call; each caller gets its own key's result (or the call's error).
 */
function batched<T>(run: (keys: string[]) => Promise<T[]>): (key: string) => Promise<T> {
  let keys: string[] = [];
  let waiters: Waiter<T>[] = [];
  const flush = () => {
    if (keys.length === 0) return; // already sent because it was full
    const [batchKeys, batchWaiters] = [keys, waiters];
    [keys, waiters] = [[], []];
    run(batchKeys).then(
      (results) => batchWaiters.forEach((waiter, i) => waiter.resolve(results[i] as T)),
      (error: unknown) => batchWaiters.forEach((waiter) => waiter.reject(error)),
    );
  };
  return (key) =>
    new Promise<T>((resolve, reject) => {
      if (keys.length === 0) setImmediate(flush);
      keys.push(key);
      waiters.push({ resolve, reject });
      if (keys.length >= maxBatch) flush();
    });
}

/** `connection` is called for every command, so a caller may open the connection on first use. */
export function createDeliveryLedger(
  connection: RedisClient | (() => RedisClient),
  prefix: string,
): DeliveryLedger {
  const client = typeof connection === "function" ? connection : () => connection;
  const claimKey = batched(async (keys) => {
    const claimed = (await client().eval(claimScript, keys.length, ...keys, claimSeconds)) as number[];
    return claimed.map((value) => claims[value] ?? "pending");
  });
  const confirmKey = batched(async (keys) => {
    await client().eval(confirmScript, keys.length, ...keys, deliveryRetentionSeconds);
    return keys.map(() => undefined);
  });
  return {
    claim: async (forge, deliveryId) => {
      await whenReady(client());
      return claimKey(deliveryKey(prefix, forge, deliveryId));
    },
    confirm: (forge, deliveryId) => confirmKey(deliveryKey(prefix, forge, deliveryId)),
    release: async (forge, deliveryId) => {
      await client().del(deliveryKey(prefix, forge, deliveryId));
    },
  };
}
