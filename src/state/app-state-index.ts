// The facts an app's sync state and health are derived from, indexed per Ferry (not per app),
// so a filter on state reads four hashes instead of every app's history and status. Each
// writer of a fact adds its index field in the same MULTI as the record it writes (reconcile
// status: reconcile/status.ts; deployment record: sync/history.ts), so the index holds exactly
// what the records say and cannot drift from them. All keys share the prefix, hence one slot
// when it carries a hash tag (keys.ts).
//
//   <prefix>:state:reconciled   HASH app -> "<checkedAt ms> <status>" of the last reconcile status
//   <prefix>:state:deployed-at  HASH app -> "<finished ms>" of the newest deployment record
//   <prefix>:state:deployed     HASH app -> "<result> <health>" of the newest record that was not
//                               skipped (a skipped sync says nothing about the app's state)
//   <prefix>:state:settled-at   HASH app -> "<ended ms>" of the newest sync run, whatever its result,
//                               written once its lock was released (deploy/pipeline.ts runDeploy)
//
// Fields are overwritten, never appended: a rewritten record replaces its fact. Fields of apps
// removed from ferry.yaml stay (a few bytes each) and are never read: readers ask for the
// configured apps only.
import type { ChainableCommander } from "ioredis";
import { stateIndexKey } from "../keys.ts";
import type { RedisClient } from "../queue/connection.ts";
import { results, type Result } from "../outcome.ts";
import { appSyncStatuses, type AppSyncStatus } from "../reconcile/types.ts";

export type SyncState = AppSyncStatus | "Unknown";

export interface StateFacts {
  /** The last reconcile status and when it was taken (ms; NaN when unreadable). */
  reconciled?: { at: number; status: AppSyncStatus };
  /** When the newest deployment record ended (ms). */
  deployedAt?: number;
  /** The newest deployment record that was not skipped. */
  deployed?: { result: Result; health: string };
  /** When the newest sync run ended, whatever its result, after its lock was released (ms). */
  settledAt?: number;
}

export interface AppState {
  sync: SyncState;
  health: string;
}

export function indexReconciled(
  multi: ChainableCommander,
  prefix: string,
  app: string,
  status: { checkedAt: string; status: AppSyncStatus },
): ChainableCommander {
  return multi.hset(
    stateIndexKey(prefix, "reconciled"),
    app,
    `${Date.parse(status.checkedAt)} ${status.status}`,
  );
}

export function indexDeployed(
  multi: ChainableCommander,
  prefix: string,
  app: string,
  record: { startedAt: string; durationMs: number; result: Result; health: string },
): ChainableCommander {
  multi.hset(stateIndexKey(prefix, "deployed-at"), app, String(finishedAt(record)));
  if (record.result === "skipped") return multi;
  return multi.hset(stateIndexKey(prefix, "deployed"), app, `${record.result} ${record.health}`);
}

export function indexSettled(
  multi: ChainableCommander,
  prefix: string,
  app: string,
  at: number,
): ChainableCommander {
  return multi.hset(stateIndexKey(prefix, "settled-at"), app, String(at));
}

/** When a deployment record was written: its end. */
export function finishedAt(record: { startedAt: string; durationMs: number }): number {
  return Date.parse(record.startedAt) + record.durationMs;
}

const syncStatuses = new Set<string>(appSyncStatuses);
const resultNames = new Set<string>(results);

function parseReconciled(text: string | null | undefined): StateFacts["reconciled"] {
  if (!text) return undefined;
  const space = text.indexOf(" ");
  const status = text.slice(space + 1);
  if (space < 0 || !syncStatuses.has(status)) return undefined;
  return { at: Number(text.slice(0, space)), status: status as AppSyncStatus };
}

function parseDeployed(text: string | null | undefined): StateFacts["deployed"] {
  if (!text) return undefined;
  const space = text.indexOf(" ");
  const result = text.slice(0, space);
  if (space < 0 || !resultNames.has(result)) return undefined;
  return { result: result as Result, health: text.slice(space + 1) };
}

/** The indexed facts of `apps`, in one round trip (four HMGETs), in the order asked. */
export async function readStateFacts(
  redis: RedisClient,
  prefix: string,
  apps: readonly string[],
): Promise<StateFacts[]> {
  if (apps.length === 0) return [];
  const [reconciled, deployedAt, deployed, settledAt] = await Promise.all(
    (["reconciled", "deployed-at", "deployed", "settled-at"] as const).map((what) =>
      redis.hmget(stateIndexKey(prefix, what), ...apps),
    ),
  );
  return apps.map((_, index) => {
    const facts: StateFacts = {};
    const status = parseReconciled(reconciled?.[index]);
    if (status) facts.reconciled = status;
    const at = deployedAt?.[index];
    if (at) facts.deployedAt = Number(at);
    const last = parseDeployed(deployed?.[index]);
    if (last) facts.deployed = last;
    const settled = settledAt?.[index];
    if (settled) facts.settledAt = Number(settled);
    return facts;
  });
}

/**
 * Two facts say where an app stands: reconcile's status (a snapshot, dated when the run looked)
 * and the deployment history (written when each sync ends); the newer one wins. A reconcile run
 * that saw a sync queued or running saves "Syncing", and nothing rewrites that snapshot until the
 * next run, minutes later; once the sync has finished, its record is the newer fact, and every
 * sync run leaves its end in `settledAt` (a skipped one writes no record; a record is dated
 * before the run let go of its lock), which outdates a Syncing too, so the app never shows
 * Syncing after its sync ended, whichever was written first. A live deploy lock is Syncing
 * whatever was saved. Health is the newest not-skipped deployment's.
 */
export function deriveState(facts: StateFacts, locked: boolean): AppState {
  const health = facts.deployed?.health ?? "Unknown";
  if (locked) return { sync: "Syncing", health };
  const { reconciled, deployedAt, deployed, settledAt } = facts;
  const observed = reconciled?.at ?? Number.NaN;
  const statusIsNewer = deployedAt === undefined || observed > deployedAt;
  const settled = reconciled?.status === "Syncing" && settledAt !== undefined && settledAt >= observed;
  if (reconciled && statusIsNewer && !settled) return { sync: reconciled.status, health };
  // A stale "Syncing" with only skipped syncs since: that sync ended, with nothing to say.
  if (!deployed)
    return { sync: reconciled && reconciled.status !== "Syncing" ? reconciled.status : "Unknown", health };
  return { sync: deployed.result === "succeeded" ? "Synced" : "Failed", health };
}
