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
import type { DeployedImage } from "../images/deployed.ts";
import {
  deriveState,
  finishedAt,
  readStateFacts,
  type StateFacts,
  type SyncState,
} from "../state/app-state-index.ts";

export type { SyncState } from "../state/app-state-index.ts";

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
  /**
   * The images the live revision runs, with the digest and source a merged image update
   * recorded for them: from that revision's newest deploy record, when it lists them.
   */
  images?: DeployedImage[];
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

/**
 * The facts of the app's state: the index's (state/app-state-index.ts, what a state filter
 * reads), each completed from the records themselves when the index lacks it (records written
 * before the index existed), so the page shows the state its filter selected it by.
 */
function factsOf(
  indexed: StateFacts,
  status: AppStatus | undefined,
  history: readonly DeploymentRecord[],
): StateFacts {
  const newest = history[0];
  const last = history.find((record) => record.result !== "skipped");
  return {
    ...(status ? { reconciled: { at: Date.parse(status.checkedAt), status: status.status } } : {}),
    ...(newest ? { deployedAt: finishedAt(newest) } : {}),
    ...(last ? { deployed: { result: last.result, health: last.health } } : {}),
    ...indexed,
  };
}

async function overviewOf(
  deps: OverviewDeps,
  app: AppConfig,
  status: AppStatus | undefined,
  indexed: StateFacts,
  limit: number,
): Promise<AppOverview> {
  const [history, healthy, bad, locked, paused] = await Promise.all([
    readHistory(deps.redis, deps.prefix, app.name),
    readHealthyMark(deps.redis, deps.prefix, app.name),
    badRevision(deps.redis, deps.prefix, app.name),
    isLocked(deps.redis, deployLockKey(deps.prefix, app.name)),
    readPause(deps.redis, deps.prefix, app.name),
  ]);
  const { sync, health } = deriveState(factsOf(indexed, status, history), locked);
  return {
    name: app.name,
    cluster: app.destination.cluster,
    namespace: app.destination.namespace,
    repo: app.repo,
    branch: app.branch,
    sync,
    health,
    ...(healthy ? { revision: healthy.revision, appliedAt: healthy.at } : {}),
    ...imagesOf(history, healthy?.revision),
    ...(bad ? { badRevision: bad } : {}),
    ...(paused ? { paused } : {}),
    deployments: history.slice(0, limit),
  };
}

function imagesOf(
  history: readonly DeploymentRecord[],
  live: string | undefined,
): { images?: DeployedImage[] } {
  const images = history.find((record) => record.revision === live && record.images !== undefined)?.images;
  return live !== undefined && images !== undefined ? { images } : {};
}

export async function readOverviews(deps: OverviewDeps, apps: readonly AppConfig[]): Promise<AppOverview[]> {
  const names = apps.map((app) => app.name);
  const [statuses, facts] = await Promise.all([
    readAppStatuses(deps.redis, names, deps.prefix),
    readStateFacts(deps.redis, deps.prefix, names),
  ]);
  return Promise.all(
    apps.map((app, index) => overviewOf(deps, app, statuses.get(app.name), facts[index] ?? {}, 5)),
  );
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
  /** Apps that match. */
  total: number;
  /** Whether apps after this page match. */
  more: boolean;
}

function matchesConfig(app: AppConfig, query: OverviewQuery, needle: string | undefined): boolean {
  if (query.project !== undefined && (app.project ?? "") !== query.project) return false;
  if (query.cluster !== undefined && app.destination.cluster !== query.cluster) return false;
  if (needle === undefined) return true;
  return [app.name, app.repo, app.project ?? "", app.destination.cluster, app.destination.namespace].some(
    (field) => field.toLowerCase().includes(needle),
  );
}

/** Which of `apps` are in the asked state: from the state index, plus their locks when sync is asked. */
async function matchingState(
  deps: OverviewDeps,
  apps: readonly AppConfig[],
  query: OverviewQuery,
): Promise<AppConfig[]> {
  const names = apps.map((app) => app.name);
  const [facts, locks] = await Promise.all([
    readStateFacts(deps.redis, deps.prefix, names),
    // Health does not depend on the lock; the sync state does (a held lock is Syncing).
    query.sync === undefined || names.length === 0
      ? undefined
      : deps.redis.mget(names.map((name) => deployLockKey(deps.prefix, name))),
  ]);
  return apps.filter((_, index) => {
    const state = deriveState(facts[index] ?? {}, (locks?.[index] ?? null) !== null);
    if (query.sync !== undefined && state.sync !== query.sync) return false;
    return query.health === undefined || state.health === query.health;
  });
}

/**
 * One page of overviews. Filters on configuration cost no Redis reads; a filter on state reads
 * the state index (three hashes, and the deploy locks for a sync state), never the apps'
 * records; then only the page's apps are read. So a page costs about the same with 10 or
 * 10,000 apps, whichever filter.
 */
export async function readOverviewPage(
  deps: OverviewDeps,
  apps: readonly AppConfig[],
  query: OverviewQuery,
): Promise<OverviewPage> {
  const needle = query.text?.trim().toLowerCase() || undefined;
  const configured = apps.filter((app) => matchesConfig(app, query, needle));
  const candidates =
    query.sync === undefined && query.health === undefined
      ? configured
      : await matchingState(deps, configured, query);
  const page = candidates.slice(query.offset, query.offset + query.limit);
  return {
    apps: await readOverviews(deps, page),
    total: candidates.length,
    more: query.offset + query.limit < candidates.length,
  };
}

export async function readDetail(deps: OverviewDeps, app: AppConfig): Promise<AppDetail> {
  const statuses = await readAppStatuses(deps.redis, [app.name], deps.prefix);
  const status = statuses.get(app.name);
  const [facts] = await readStateFacts(deps.redis, deps.prefix, [app.name]);
  const overview = await overviewOf(deps, app, status, facts ?? {}, 20);
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
