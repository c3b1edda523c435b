// What `GET /api/apps`, `GET /api/apps/<name>` and `ferry status` show for an app: where it
// goes, whether it is in sync, its health, the revision applied and its last deployments. Read
// from Redis only (history of src/sync, app status of src/reconcile), so the receiver can serve
// it without cluster credentials.
import { readPauses, type Pause } from "../sync/pause.ts";
import type { RedisClient } from "../queue/connection.ts";
import type { AppConfig } from "../config/schema.ts";
import { deployLockKey } from "../keys.ts";
import { readAppStatuses } from "../reconcile/status.ts";
import type { AppStatus } from "../reconcile/types.ts";
import {
  badRevisions,
  HISTORY_LIMIT,
  readHealthyMarks,
  readHistoryHeads,
  readImageRecords,
  type DeploymentRecord,
  type HealthyMark,
} from "../sync/history.ts";
import { areLocked } from "../deploy/lock.ts";
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

/** Everything an overview shows of one app, as stored in Redis. */
interface AppRecords {
  app: string;
  /**
   * Newest first: the shown records; after them the older ones that name images when the live
   * revision's are not among the shown; or the whole list when the shown ones tell too little.
   */
  history: DeploymentRecord[];
  /** Whether the list holds records past the shown ones. */
  more: boolean;
  healthy: HealthyMark | undefined;
  bad: string | undefined;
  locked: boolean;
  paused: Pause | undefined;
  status: AppStatus | undefined;
  indexed: StateFacts;
}

/**
 * The records of `apps` an overview showing `shown` deployments needs, in two round trips at
 * most. Each kind of record is read for all apps at once (MGETs, HMGETs of the state index, a
 * pipeline for the history heads and healthy marks), all of them under the prefix, hence in one
 * slot on Redis Cluster. Only the `shown` newest history entries are read, unless those leave
 * something open (see `missing`): then one more round trip reads, of those apps, the older
 * records that name images, or the whole list, so the overview is what reading every list would
 * give.
 */
async function readAppRecords(
  deps: OverviewDeps,
  apps: readonly string[],
  shown: number,
): Promise<AppRecords[]> {
  const { redis, prefix } = deps;
  const locks = apps.map((app) => deployLockKey(prefix, app));
  const [heads, healthy, bad, locked, paused, statuses, facts] = await Promise.all([
    readHistoryHeads(redis, prefix, apps, shown),
    readHealthyMarks(redis, prefix, apps),
    badRevisions(redis, prefix, apps),
    areLocked(redis, locks),
    readPauses(redis, prefix, apps),
    readAppStatuses(redis, apps, prefix),
    readStateFacts(redis, prefix, apps),
  ]);
  const records = apps.map((app, index): AppRecords => ({
    app,
    history: heads[index]?.records ?? [],
    more: heads[index]?.more ?? false,
    healthy: healthy[index],
    bad: bad[index],
    locked: locked[index] ?? false,
    paused: paused[index],
    status: statuses.get(app),
    indexed: facts[index] ?? {},
  }));
  const open = records.map((record) => (record.more ? missing(record, shown) : "nothing"));
  const withoutImages = records.filter((_, index) => open[index] === "images");
  const incomplete = records.filter((_, index) => open[index] === "more");
  const [images, lists] = await Promise.all([
    readImageRecords(
      redis,
      prefix,
      withoutImages.map((record) => record.app),
      shown,
    ),
    readHistoryHeads(
      redis,
      prefix,
      incomplete.map((record) => record.app),
      HISTORY_LIMIT,
    ),
  ]);
  withoutImages.forEach((record, index) => record.history.push(...(images[index] ?? [])));
  incomplete.forEach((record, index) => {
    record.history = lists[index]?.records ?? [];
  });
  return records;
}

/**
 * What the shown head of a longer history leaves open: nothing; only the live revision's images
 * (in an older record); or "more": fewer records than shown parsed (older ones fill the page),
 * or the state index lacks the last deployment and every shown one was skipped (factsOf looks
 * further back).
 */
function missing(records: AppRecords, shown: number): "nothing" | "images" | "more" {
  const { history, healthy, indexed } = records;
  if (history.length < shown) return "more";
  if (indexed.deployed === undefined && history.every((record) => record.result === "skipped")) return "more";
  if (healthy && imagesOf(history, healthy.revision).images === undefined) return "images";
  return "nothing";
}

function overviewOf(app: AppConfig, records: AppRecords, limit: number): AppOverview {
  const { history, healthy, bad, locked, paused, status, indexed } = records;
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

/** Deployments an overview of the apps list (API, `ferry status`, the UI's list) shows. */
const SHOWN_DEPLOYMENTS = 5;

/**
 * Apps whose records are read per round trip. One round trip for 1,000 apps keeps every reply
 * and parsed record alive until the last reply has arrived: they outlive young-generation
 * collections, are promoted, and the old generation (and RSS) grows with that garbage. Batches
 * of 200 cost a few more round trips and measured less RSS and less CPU (bench/README.md).
 */
const APPS_PER_ROUND_TRIP = 200;

export async function readOverviews(deps: OverviewDeps, apps: readonly AppConfig[]): Promise<AppOverview[]> {
  const overviews: AppOverview[] = [];
  for (let start = 0; start < apps.length; start += APPS_PER_ROUND_TRIP) {
    const batch = apps.slice(start, start + APPS_PER_ROUND_TRIP);
    const records = await readAppRecords(
      deps,
      batch.map((app) => app.name),
      SHOWN_DEPLOYMENTS,
    );
    batch.forEach((app, index) =>
      overviews.push(overviewOf(app, records[index] as AppRecords, SHOWN_DEPLOYMENTS)),
    );
  }
  return overviews;
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
    query.sync === undefined
      ? []
      : areLocked(
          deps.redis,
          names.map((name) => deployLockKey(deps.prefix, name)),
        ),
  ]);
  return apps.filter((_, index) => {
    const state = deriveState(facts[index] ?? {}, locks[index] ?? false);
    if (query.sync !== undefined && state.sync !== query.sync) return false;
    return query.health === undefined || state.health === query.health;
  });
}

/**
 * One page of overviews. Filters on configuration cost no Redis reads; a filter on state reads
 * the state index (four hashes, and the deploy locks for a sync state), never the apps'
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
  const [records] = (await readAppRecords(deps, [app.name], HISTORY_LIMIT)) as [AppRecords];
  const overview = overviewOf(app, records, HISTORY_LIMIT);
  const { status } = records;
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
