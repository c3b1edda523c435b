// What `GET /api/apps`, `GET /api/apps/<name>` and `ferry status` show for an app: where it
// goes, whether it is in sync, its health, the revision applied and its last deployments. Read
// from Redis only (history of src/sync, app status of src/reconcile), so the receiver can serve
// it without cluster credentials.
import { readPause, type Pause } from "../sync/pause.ts";
import type { RedisClient } from "../queue/connection.ts";
import type { AppConfig } from "../config/schema.ts";
import { deployLockKey } from "../keys.ts";
import { readAppStatuses } from "../reconcile/status.ts";
import type { AppStatus } from "../reconcile/types.ts";
import { badRevision, readHealthyMark, readHistory, type DeploymentRecord } from "../sync/history.ts";
import { isLocked } from "../deploy/lock.ts";

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
  /** Automatic sync and self-heal paused (the web UI's Pause): by whom and when. */
  paused?: Pause;
  deployments: DeploymentRecord[];
}

export interface AppDetail extends AppOverview {
  /** From reconcile, when it ran: drifted objects with their explanations. */
  drift?: Pick<AppStatus, "status" | "head" | "checkedAt" | "drifted" | "message" | "lastCorrection">;
}

export interface OverviewDeps {
  redis: RedisClient;
  /** ferry.yaml's redis.prefix (src/keys.ts). */
  prefix: string;
}

/** When a deployment record was written: its end. */
function finishedAt(record: DeploymentRecord): number {
  return Date.parse(record.startedAt) + record.durationMs;
}

/**
 * Two facts say where an app stands: reconcile's status (a snapshot taken when it ran) and the
 * deployment history (written when each sync ends); the newer one wins. A reconcile run that
 * saw a sync queued or running saves "Syncing", and nothing rewrites that snapshot until the
 * next run, minutes later; once the sync has finished, its record is the newer fact, so the app
 * never shows Syncing after its sync ended. A live deploy lock is Syncing whatever was saved.
 */
function syncState(
  running: boolean,
  status: AppStatus | undefined,
  history: readonly DeploymentRecord[],
): SyncState {
  if (running) return "Syncing";
  const newest = history[0];
  const statusIsNewer = newest === undefined || Date.parse(status?.checkedAt ?? "") > finishedAt(newest);
  if (status && statusIsNewer) return status.status;
  const last = history.find((record) => record.result !== "skipped");
  // A stale "Syncing" with only skipped syncs since: that sync ended, with nothing to say.
  if (!last) return status && status.status !== "Syncing" ? status.status : "Unknown";
  return last.result === "succeeded" ? "Synced" : "Failed";
}

async function overviewOf(
  deps: OverviewDeps,
  app: AppConfig,
  status: AppStatus | undefined,
  limit: number,
): Promise<AppOverview> {
  const [history, healthy, bad, locked, paused] = await Promise.all([
    readHistory(deps.redis, deps.prefix, app.name),
    readHealthyMark(deps.redis, deps.prefix, app.name),
    badRevision(deps.redis, deps.prefix, app.name),
    isLocked(deps.redis, deployLockKey(deps.prefix, app.name)),
    readPause(deps.redis, deps.prefix, app.name),
  ]);
  const last = history.find((record) => record.result !== "skipped");
  return {
    name: app.name,
    cluster: app.destination.cluster,
    namespace: app.destination.namespace,
    repo: app.repo,
    branch: app.branch,
    sync: syncState(locked, status, history),
    health: last?.health ?? "Unknown",
    ...(healthy ? { revision: healthy.revision, appliedAt: healthy.at } : {}),
    ...(bad ? { badRevision: bad } : {}),
    ...(paused ? { paused } : {}),
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

/** What the UI's apps list asks for: filters on configuration and on state, and one page. */
export interface OverviewQuery {
  /** Matched, case-insensitively, against name, repo, project, cluster and namespace. */
  text?: string;
  project?: string;
  cluster?: string;
  sync?: SyncState;
  health?: string;
  offset: number;
  limit: number;
}

export interface OverviewPage {
  apps: AppOverview[];
  /** Apps that match; undefined when a state filter stopped counting once the page was full. */
  total?: number;
  /** Whether apps after this page match. */
  more: boolean;
}

/** How many apps' Redis state one round of a state filter reads. */
const STATE_FILTER_CHUNK = 256;

function matchesConfig(app: AppConfig, query: OverviewQuery, needle: string | undefined): boolean {
  if (query.project !== undefined && (app.project ?? "") !== query.project) return false;
  if (query.cluster !== undefined && app.destination.cluster !== query.cluster) return false;
  if (needle === undefined) return true;
  return [app.name, app.repo, app.project ?? "", app.destination.cluster, app.destination.namespace].some(
    (field) => field.toLowerCase().includes(needle),
  );
}

/**
 * One page of overviews. Filters on configuration cost no Redis reads, and only the page's apps
 * are read, so a page costs the same with 10 or 10,000 apps. A filter on state must read each
 * candidate's state: it reads in chunks, in configuration order, and stops once the page and one
 * more match are found, so early pages stay cheap and only a rare state reads every app.
 */
export async function readOverviewPage(
  deps: OverviewDeps,
  apps: readonly AppConfig[],
  query: OverviewQuery,
): Promise<OverviewPage> {
  const needle = query.text?.trim().toLowerCase() || undefined;
  const candidates = apps.filter((app) => matchesConfig(app, query, needle));
  if (query.sync === undefined && query.health === undefined) {
    const page = candidates.slice(query.offset, query.offset + query.limit);
    return {
      apps: await readOverviews(deps, page),
      total: candidates.length,
      more: query.offset + query.limit < candidates.length,
    };
  }
  const wanted = query.offset + query.limit + 1;
  const matched: AppOverview[] = [];
  let read = 0;
  while (matched.length < wanted && read < candidates.length) {
    const chunk = await readOverviews(deps, candidates.slice(read, read + STATE_FILTER_CHUNK));
    read += STATE_FILTER_CHUNK;
    for (const overview of chunk) {
      if (query.sync !== undefined && overview.sync !== query.sync) continue;
      if (query.health !== undefined && overview.health !== query.health) continue;
      matched.push(overview);
    }
  }
  const exhausted = read >= candidates.length;
  return {
    apps: matched.slice(query.offset, query.offset + query.limit),
    ...(exhausted ? { total: matched.length } : {}),
    more: matched.length > query.offset + query.limit,
  };
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
