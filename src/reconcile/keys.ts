// Redis keys of the reconcile modules, all under one prefix (tests pass a random one).
//   <prefix>:reconcile:<app>:applied      STRING gzip+base64 JSON AppliedState (store.ts)
//   <prefix>:reconcile:<app>:failed       STRING revision that failed (store.ts)
//   <prefix>:reconcile:<app>:status       STRING JSON AppStatus (status.ts)
//   <prefix>:reconcile:<app>:heal         HASH   self-heal backoff state (backoff.ts)
//   <prefix>:reconcile:<app>:corrections  LIST   self-heal corrections, newest first (heal.ts)
//   <prefix>:reconcile:<app>:lock         STRING one reconcile run per app at a time
//   <prefix>:reconcile:watcher            STRING the watcher role lease (watcher.ts)

export type AppKey = "applied" | "failed" | "status" | "heal" | "corrections" | "lock";

export const DEFAULT_PREFIX = "ferry";

export function appKey(prefix: string, app: string, what: AppKey): string {
  return `${prefix}:reconcile:${app}:${what}`;
}

export function watcherKey(prefix: string): string {
  return `${prefix}:reconcile:watcher`;
}
