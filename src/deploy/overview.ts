// What `GET /api/apps`, `GET /api/apps/<name>` and `ferry status` show for an app: where it
// goes, whether it is in sync, its health, the revision applied and its last deployments. Read
// from Redis only (history of src/sync, app status of src/reconcile), so the receiver can serve
// it without cluster credentials.
import type { Redis } from "ioredis";
import type { AppConfig } from "../config/schema.ts";
import { deployLockKey } from "../keys.ts";
import { readAppStatuses } from "../reconcile/status.ts";
import type { AppStatus } from "../reconcile/types.ts";
import { badRevision, readHealthyMark, readHistory, type DeploymentRecord } from "../sync/history.ts";
import { isLocked } from "./lock.ts";

export type SyncState = "Synced" | "OutOfSync" | "Syncing" | "Failed" | "Unknown";

export interface AppOverview {
  name: string;
  cluster: string;
  namespace: string;
  repo: string;
  branch: string;
  sync: SyncState;
  health: string;
  /** The last healthy revision, i.e. what is live unless a sync is running or failed. */
  revision?: string;
  appliedAt?: string;
  /** A revision that was rolled back and is skipped until a newer commit arrives. */
  badRevision?: string;
  deployments: DeploymentRecord[];
}

export interface AppDetail extends AppOverview {
  /** From reconcile, when it ran: drifted objects with their explanations. */
  drift?: Pick<AppStatus, "status" | "head" | "checkedAt" | "drifted" | "message" | "lastCorrection">;
}

export interface OverviewDeps {
  redis: Redis;
  /** ferry.yaml's redis.prefix (src/keys.ts). */
  prefix: string;
}

function syncState(
  running: boolean,
  status: AppStatus | undefined,
  last: DeploymentRecord | undefined,
): SyncState {
  if (running) return "Syncing";
  if (status) return status.status;
  if (!last) return "Unknown";
  if (last.result === "succeeded") return "Synced";
  return last.result === "skipped" ? "Unknown" : "Failed";
}

async function overviewOf(
  deps: OverviewDeps,
  app: AppConfig,
  status: AppStatus | undefined,
  limit: number,
): Promise<AppOverview> {
  const [history, healthy, bad, locked] = await Promise.all([
    readHistory(deps.redis, deps.prefix, app.name),
    readHealthyMark(deps.redis, deps.prefix, app.name),
    badRevision(deps.redis, deps.prefix, app.name),
    isLocked(deps.redis, deployLockKey(deps.prefix, app.name)),
  ]);
  const last = history.find((record) => record.result !== "skipped");
  return {
    name: app.name,
    cluster: app.destination.cluster,
    namespace: app.destination.namespace,
    repo: app.repo,
    branch: app.branch,
    sync: syncState(locked, status, last),
    health: last?.health ?? "Unknown",
    ...(healthy ? { revision: healthy.revision, appliedAt: healthy.at } : {}),
    ...(bad ? { badRevision: bad } : {}),
    deployments: history.slice(0, limit),
  };
}

export async function readOverviews(deps: OverviewDeps, apps: readonly AppConfig[]): Promise<AppOverview[]> {
  const statuses = await readAppStatuses(
    deps.redis,
    apps.map((app) => app.name),
    deps.prefix,
  );
  return Promise.all(apps.map((app) => overviewOf(deps, app, statuses.get(app.name), 5)));
}

export async function readDetail(deps: OverviewDeps, app: AppConfig): Promise<AppDetail> {
  const statuses = await readAppStatuses(deps.redis, [app.name], deps.prefix);
  const status = statuses.get(app.name);
  const overview = await overviewOf(deps, app, status, 20);
  if (!status) return overview;
  const { status: state, head, checkedAt, drifted, message, lastCorrection } = status;
  return {
    ...overview,
    drift: {
      status: state,
      checkedAt,
      drifted,
      ...(head !== undefined ? { head } : {}),
      ...(message !== undefined ? { message } : {}),
      ...(lastCorrection !== undefined ? { lastCorrection } : {}),
    },
  };
}
