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

// The claims and confirms that arrive in one event-loop round go to Redis as one command: the
// same SET per key, in arrival order, in one script run. Per-command client work (command
// objects, reply parsing, promises, one more socket write and read) was a large share of the
// receiver's CPU per webhook in bench/webhooks.bench.ts; under load a round carries both the
// claims of new deliveries and the confirms of the ones whose jobs were just stored, which
// before went out as two commands. Two operations on one key in a batch behave as they would
// in sequence, and a key Redis refuses (say, one of another type) fails only its own caller:
// `pcall` turns its error into a result (-1) instead of ending the script for the whole batch.
const ledgerScript = `local results = {}
local function failed(reply) return type(reply) == "table" and reply.err ~= nil end
for i, key in ipairs(KEYS) do
  if ARGV[i + 2] == "c" then
    local set = redis.pcall("SET", key, "pending", "EX", ARGV[1], "NX")
    local state = set
    if not failed(set) and not set then state = redis.pcall("GET", key) end
    if failed(state) then
      results[i] = -1
    elseif set then
      results[i] = 1
    elseif state == "done" then
      results[i] = 0
    else
      results[i] = 2
    end
  else
    results[i] = failed(redis.pcall("SET", key, "done", "EX", ARGV[2])) and -1 or 3
  end
end
return results`;
const claims: Record<number, Claim> = { 0: "done", 1: "new", 2: "pending" };
const refused = -1;
/** Bounds one script run, which blocks Redis while it runs. */
const maxBatch = 256;

/** c: claim, d: confirm (mark done), as the script reads them. */
type Operation = "c" | "d";

interface Queued {
  key: string;
  operation: Operation;
  resolve: (result: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects the operations asked for until the event loop has served the current round of I/O,
 * then runs them in one call; each caller gets its own key's result (or the call's error).
 */
function batched(run: (keys: string[], operations: Operation[]) => Promise<number[]>) {
  let queue: Queued[] = [];
  const flush = () => {
    if (queue.length === 0) return; // already sent because it was full
    const batch = queue;
    queue = [];
    run(
      batch.map((entry) => entry.key),
      batch.map((entry) => entry.operation),
    ).then(
      (results) =>
        batch.forEach((entry, i) => {
          const result = results[i];
          if (result === undefined || result === refused) {
            entry.reject(new Error("the delivery ledger's key was refused by Redis"));
          } else {
            entry.resolve(result);
          }
        }),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  };
  return (key: string, operation: Operation) =>
    new Promise<number>((resolve, reject) => {
      if (queue.length === 0) setImmediate(flush);
      queue.push({ key, operation, resolve, reject });
      if (queue.length >= maxBatch) flush();
    });
}

/** `connection` is called for every command, so a caller may open the connection on first use. */
export function createDeliveryLedger(
  connection: RedisClient | (() => RedisClient),
  prefix: string,
): DeliveryLedger {
  const client = typeof connection === "function" ? connection : () => connection;
  const ledger = batched(
    async (keys, operations) =>
      (await client().eval(
        ledgerScript,
        keys.length,
        ...keys,
        claimSeconds,
        deliveryRetentionSeconds,
        ...operations,
      )) as number[],
  );
  const claimKey = (key: string) => ledger(key, "c").then((result) => claims[result] ?? "pending");
  return {
    claim: (forge, deliveryId) => {
      const redis = client();
      const key = deliveryKey(prefix, forge, deliveryId);
      // The lazily opened connection is waited for once; after that, no extra await per claim.
      return redis.status === "ready" ? claimKey(key) : whenReady(redis).then(() => claimKey(key));
    },
    confirm: async (forge, deliveryId) => {
      await ledger(deliveryKey(prefix, forge, deliveryId), "d");
    },
    release: async (forge, deliveryId) => {
      await client().del(deliveryKey(prefix, forge, deliveryId));
    },
  };
}
