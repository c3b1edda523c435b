// Every Redis key Ferry writes, in one place. All of them start with one prefix: ferry.yaml's
// `redis.prefix` (default "ferry"; each test run picks a random one). So one Ferry's data is
// one pattern (`keyPattern`) to inspect or delete, and two Ferrys can share a Redis.
//
// BullMQ's queues live under the same prefix (`queuePrefix`): their keys are
// `<prefix>:ferry-<queue>:…`, and no key below has a second segment starting with "ferry-".
//
// Redis Cluster: scripts and MULTI blocks may only touch keys of one slot. A prefix with a hash
// tag, e.g. "{ferry}", puts every key (BullMQ's included) in the same slot, because Redis hashes
// only the part between the first "{" and "}". That is why every key is built from the prefix
// value as given, never from a copy with the braces removed.
//
//   <prefix>:delivery:<forge>:<digest>        STRING delivery ledger (queue/deliveries.ts)
//   <prefix>:preview-pending:<change request> STRING the pending preview job (queue/enqueue.ts)
//   <prefix>:preview-lock:<change request>    STRING one enqueue per change request at a time
//   <prefix>:preview-page:<id>                STRING full preview pages (preview/pages.ts)
//   <prefix>:preview-page-current:<change request> STRING id of the one live page of an MR
//   <prefix>:render:<digest>                  STRING render cache (render/cache.ts)
//   <prefix>:sync:<app>:history|healthy|bad   deployment history and rollback (sync/history.ts)
//   <prefix>:sync:<app>:inventory             STRING copy of the inventory (sync/inventory-store.ts)
//   <prefix>:sync:<app>:seen                  STRING last head that changes nothing of the app (deploy/affected.ts)
//   <prefix>:sync:<app>:paused                STRING automatic sync and self-heal paused: by whom, when (sync/pause.ts)
//   <prefix>:deploy:<app>:lock                STRING one writer per app: sync, rollback, prune, heal (deploy/lock.ts)
//   <prefix>:reconcile:<app>:<what>           reconcile state per app (reconcile/*)
//   <prefix>:reconcile:watcher:<cluster>      STRING the watcher role lease of one cluster (reconcile/watcher-roles.ts)
//   <prefix>:reconcile:watchers               ZSET   processes that run a watcher, by last heartbeat
//   <prefix>:state:reconciled|deployed-at|deployed HASH app -> state facts, for filters (state/app-state-index.ts)
//   <prefix>:image-push:<app>                 STRING the commit Ferry last pushed to ferry/images/<app> (images/pushes.ts)
//   <prefix>:changes                          PUB/SUB channel: an app's or preview's state was written (state/changes.ts)
import { z } from "zod";
import { deliveryDigest, safeKeyPart } from "./queue/job-ids.ts";

export const DEFAULT_KEY_PREFIX = "ferry";

/**
 * Letters, digits, `_ . : -`, and at most one `{hash tag}`. No glob characters, so
 * `keyPattern` matches exactly this prefix's keys.
 */
export const keyPrefixSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]*(\{[A-Za-z0-9_.:-]+\})?[A-Za-z0-9_.:-]*$/, {
    message: "letters, digits, _ . : - and at most one {hash tag}",
  });

/** The `prefix` option of BullMQ's Queue, Worker and QueueEvents. */
export function queuePrefix(prefix: string): string {
  return prefix;
}

/** Matches every key of this prefix (BullMQ's too): for inspection and test clean-up. */
export function keyPattern(prefix: string): string {
  return `${prefix}:*`;
}

export function deliveryKey(prefix: string, forge: string, deliveryId: string): string {
  return `${prefix}:delivery:${safeKeyPart(forge)}:${deliveryDigest(deliveryId)}`;
}

export function pendingPreviewKey(prefix: string, changeRequest: string): string {
  return `${prefix}:preview-pending:${changeRequest}`;
}

export function previewLockKey(prefix: string, changeRequest: string): string {
  return `${prefix}:preview-lock:${changeRequest}`;
}

export function previewPageKey(prefix: string, id: string): string {
  return `${prefix}:preview-page:${id}`;
}

export function currentPreviewPageKey(prefix: string, changeRequest: string): string {
  return `${prefix}:preview-page-current:${changeRequest}`;
}

export function renderCacheKey(prefix: string, digest: string): string {
  return `${prefix}:render:${digest}`;
}

export type SyncKey = "history" | "healthy" | "bad" | "inventory" | "seen" | "paused";

export function syncKey(prefix: string, app: string, what: SyncKey): string {
  return `${prefix}:sync:${app}:${what}`;
}

export function deployLockKey(prefix: string, app: string): string {
  return `${prefix}:deploy:${app}:lock`;
}

export type ReconcileKey = "applied" | "failed" | "status" | "heal" | "corrections";

export function reconcileKey(prefix: string, app: string, what: ReconcileKey): string {
  return `${prefix}:reconcile:${app}:${what}`;
}

export function watcherKey(prefix: string, cluster: string): string {
  return `${prefix}:reconcile:watcher:${cluster}`;
}

export function watchersKey(prefix: string): string {
  return `${prefix}:reconcile:watchers`;
}

export type StateIndexKey = "reconciled" | "deployed-at" | "deployed" | "settled-at";

/** One hash per fact for all apps (fields are app names): see state/app-state-index.ts. */
export function stateIndexKey(prefix: string, what: StateIndexKey): string {
  return `${prefix}:state:${what}`;
}

/** Pub/sub channel, not a key: announces written state to the UI's live pages. */
export function changesChannel(prefix: string): string {
  return `${prefix}:changes`;
}

/** The commit Ferry itself last pushed to the app's image branch, and the policy it was for. */
export function imagePushKey(prefix: string, app: string): string {
  return `${prefix}:image-push:${app}`;
}
