// Deployment history and rollback bookkeeping in Redis, per app (keys: src/keys.ts syncKey):
//   history  LIST of DeploymentRecord JSON, newest first, at most 20
//   healthy  HASH {revision, at, manifests}: the last healthy revision with its rendered,
//            stamped objects, so rollback and self-heal need no git. `manifests` is
//            {revision, at, objects} gzipped and sealed (src/state/seal.ts, base64): only a
//            worker's key writes one that opens; revision and at are repeated in the clear
//            for the API
//   bad      STRING: the revision automatic syncs must not apply again
import { gunzipSync, gzipSync } from "node:zlib";
import type { RedisClient } from "../queue/connection.ts";
import { pipelined } from "../queue/pipeline.ts";
import { z } from "zod";
import { parseJsonOrUndefined } from "../json.ts";
import { isReason, reasonSchema, results } from "../outcome.ts";
import { changesChannel, syncKey as key } from "../keys.ts";
import { indexDeployed, indexSettled } from "../state/app-state-index.ts";
import { changeMessage } from "../state/changes.ts";
import type { KubeObject } from "../kube/types.ts";
import { syncReasons } from "../queue/types.ts";
import type { StateSeal } from "../state/seal.ts";
import { deployedImageSchema, MAX_IMAGES } from "../images/deployed.ts";

export const HISTORY_LIMIT = 20;

/**
 * Who caused a deployment: the merged change request with its author and merger (from the
 * forge), the commenter of a `/ferry` command, the pusher of a commit without a change request,
 * someone at the `ferry sync` command line, a signed-in user of the web UI, or reconcile (polls
 * and heals).
 */
export const deployCauseSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("changeRequest"),
    number: z.number().int(),
    author: z.string().optional(),
    mergedBy: z.string().optional(),
    url: z.string().optional(),
  }),
  z.object({
    kind: z.literal("command"),
    user: z.string(),
    changeRequest: z.number().int().optional(),
    force: z.boolean().optional(),
  }),
  z.object({ kind: z.literal("push"), user: z.string().optional() }),
  z.object({ kind: z.literal("cli"), force: z.boolean().optional() }),
  z.object({ kind: z.literal("reconcile") }),
  /** A button of the web UI, pressed by a signed-in user (their email, name or subject). */
  z.object({
    kind: z.literal("ui"),
    action: z.enum(["sync", "rollback"]),
    user: z.string(),
    force: z.boolean().optional(),
  }),
]);
export type DeployCause = z.infer<typeof deployCauseSchema>;

/**
 * Records written before outcomes had reasons kept their message in `reason`: such a text moves
 * to `message`, and the record keeps its result without a reason.
 */
function movedLegacyMessage(record: unknown): unknown {
  if (typeof record !== "object" || record === null) return record;
  const { reason, message } = record as { reason?: unknown; message?: unknown };
  if (reason === undefined || isReason(reason)) return record;
  const { reason: _text, ...rest } = record as Record<string, unknown>;
  return message === undefined ? { ...rest, message: reason } : rest;
}

export const deploymentRecordSchema = z.preprocess(
  movedLegacyMessage,
  z.object({
    revision: z.string(),
    trigger: z.enum(syncReasons),
    /** Absent on records written before causes were kept. */
    cause: deployCauseSchema.optional(),
    author: z.string().optional(),
    changeRequest: z.number().int().optional(),
    startedAt: z.string(),
    durationMs: z.number(),
    result: z.enum(results),
    /** How it ended (src/outcome.ts); absent on records written before reasons were kept. */
    reason: reasonSchema.optional(),
    message: z.string().optional(),
    /** Objects applied or pruned. */
    changed: z.number().int(),
    health: z.string(),
    rolledBackTo: z.string().optional(),
    /**
     * The container images the revision's workloads name, with the digest and source a merged
     * image update recorded for them (src/images/deployed.ts); absent on older records.
     */
    images: z.array(deployedImageSchema).max(MAX_IMAGES).optional(),
  }),
);
export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>;

export async function recordDeployment(
  redis: RedisClient,
  prefix: string,
  app: string,
  record: DeploymentRecord,
): Promise<void> {
  const multi = redis
    .multi()
    .lpush(key(prefix, app, "history"), JSON.stringify(record))
    .ltrim(key(prefix, app, "history"), 0, HISTORY_LIMIT - 1);
  // The state filter's index of this record (its end, result and health), in the same MULTI.
  await indexDeployed(multi, prefix, app, record)
    .publish(changesChannel(prefix), changeMessage({ app }))
    .exec();
}

/**
 * When a sync run ended (after its lock was released), whatever its result, for the state index:
 * it outdates the "Syncing" a reconcile run saved when it queued or saw that sync
 * (state/app-state-index.ts deriveState). A run with nothing to do (already deployed, not
 * affected, held back, paused) keeps no record, by design: a docs-only push must not fill every
 * app's history, so this is its only trace.
 */
export async function recordSyncEnded(redis: RedisClient, prefix: string, app: string): Promise<void> {
  await indexSettled(redis.multi(), prefix, app, Date.now())
    .publish(changesChannel(prefix), changeMessage({ app }))
    .exec();
}

/** Entries that no longer parse (written by another version) are skipped. */
function parseHistory(items: readonly string[]): DeploymentRecord[] {
  return items.flatMap((item) => parseJsonOrUndefined(deploymentRecordSchema, item) ?? []);
}

/** Newest first; entries that no longer parse (written by another version) are skipped. */
export async function readHistory(
  redis: RedisClient,
  prefix: string,
  app: string,
): Promise<DeploymentRecord[]> {
  return parseHistory(await redis.lrange(key(prefix, app, "history"), 0, HISTORY_LIMIT - 1));
}

export interface HistoryHead {
  /** The newest records that parse, newest first. */
  records: DeploymentRecord[];
  /** Whether the list holds entries past the ones read (readHistory would return more). */
  more: boolean;
}

/**
 * The `count` newest entries of each app's history, in one round trip, in the order asked: what
 * a page shows without reading (and parsing) the whole list of every app.
 */
export async function readHistoryHeads(
  redis: RedisClient,
  prefix: string,
  apps: readonly string[],
  count: number,
): Promise<HistoryHead[]> {
  const read = Math.min(count, HISTORY_LIMIT);
  const replies = await pipelined(redis, (pipeline) => {
    for (const app of apps) pipeline.lrange(key(prefix, app, "history"), 0, read - 1);
  });
  return replies.map((reply) => {
    const items = reply as string[];
    return { records: parseHistory(items), more: items.length === read && read < HISTORY_LIMIT };
  });
}

/**
 * Of each app's history past its `skip` newest entries, the records that name images, newest
 * first, in one round trip: where an overview looks for the live revision's images when the
 * shown records do not have them (an app without images would otherwise have its whole list
 * parsed on every read). Only entries whose text has an `"images":` member are parsed:
 * JSON.stringify writes the member that way, and the same text inside a string value would be
 * escaped (`\"images\":`), so no record with images is passed over.
 */
export async function readImageRecords(
  redis: RedisClient,
  prefix: string,
  apps: readonly string[],
  skip: number,
): Promise<DeploymentRecord[][]> {
  const replies = await pipelined(redis, (pipeline) => {
    for (const app of apps) pipeline.lrange(key(prefix, app, "history"), skip, HISTORY_LIMIT - 1);
  });
  return replies.map((reply) =>
    parseHistory((reply as string[]).filter((item) => item.includes('"images":'))).filter(
      (record) => record.images !== undefined,
    ),
  );
}

export interface HealthyRevision {
  revision: string;
  at: string;
  objects: KubeObject[];
}

/**
 * What Redis holds as the last healthy revision: nothing, a record that opened, or one that was
 * refused (its seal did not open: never apply it). `claimed` is the revision its clear-text field
 * names, which only a check against Git may turn into something to render.
 */
export type HealthyRead =
  { state: "none" } | ({ state: "verified" } & HealthyRevision) | { state: "refused"; claimed?: string };

const sealedHealthySchema = z.object({
  revision: z.string().min(1),
  at: z.string(),
  objects: z.array(
    z.looseObject({
      apiVersion: z.string(),
      kind: z.string(),
      metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }),
    }),
  ),
});

const healthyContext = (app: string) => `healthy:${app}`;

export async function saveHealthyRevision(
  redis: RedisClient,
  prefix: string,
  seal: StateSeal,
  app: string,
  revision: string,
  objects: KubeObject[],
): Promise<void> {
  const at = new Date().toISOString();
  const packed = gzipSync(JSON.stringify({ revision, at, objects }));
  const manifests = seal.seal(healthyContext(app), packed).toString("base64");
  await redis.hset(key(prefix, app, "healthy"), { revision, at, manifests });
}

export async function readHealthyRevision(
  redis: RedisClient,
  prefix: string,
  seal: StateSeal,
  app: string,
): Promise<HealthyRead> {
  const stored = await redis.hgetall(key(prefix, app, "healthy"));
  if (stored.manifests === undefined) return { state: "none" };
  const refused: HealthyRead = {
    state: "refused",
    ...(stored.revision === undefined ? {} : { claimed: stored.revision }),
  };
  const opened = seal.open("healthy", healthyContext(app), Buffer.from(stored.manifests, "base64"));
  if (opened === undefined) return refused;
  const record = parseJsonOrUndefined(sealedHealthySchema, gunzipSync(opened).toString("utf8"));
  // Sealed by Ferry but in a shape this version does not know: not usable, yet not an attack.
  return record === undefined ? { state: "none" } : { state: "verified", ...record };
}

/**
 * Which revision is the last healthy one and since when, from the clear-text fields, without
 * opening the sealed manifests: for display only (the app overview, which the receiver serves
 * without the state key). Anything that decides on it reads readHealthyRevision instead.
 */
export async function readHealthyMark(
  redis: RedisClient,
  prefix: string,
  app: string,
): Promise<HealthyMark | undefined> {
  const [mark] = await readHealthyMarks(redis, prefix, [app]);
  return mark;
}

export type HealthyMark = Omit<HealthyRevision, "objects">;

/** readHealthyMark of many apps in one round trip, in the order asked. */
export async function readHealthyMarks(
  redis: RedisClient,
  prefix: string,
  apps: readonly string[],
): Promise<(HealthyMark | undefined)[]> {
  const replies = await pipelined(redis, (pipeline) => {
    for (const app of apps) {
      pipeline.hmget(key(prefix, app, "healthy"), "revision", "at");
      pipeline.hexists(key(prefix, app, "healthy"), "manifests");
    }
  });
  return apps.map((_, index) => {
    const [revision, at] = replies[2 * index] as (string | null)[];
    const hasManifests = replies[2 * index + 1] as number;
    if (revision === null || revision === undefined || hasManifests === 0) return undefined;
    return { revision, at: at ?? "" };
  });
}

export async function markBadRevision(
  redis: RedisClient,
  prefix: string,
  app: string,
  revision: string,
): Promise<void> {
  await redis.set(key(prefix, app, "bad"), revision);
}

export async function clearBadRevision(redis: RedisClient, prefix: string, app: string): Promise<void> {
  await redis.del(key(prefix, app, "bad"));
}

/**
 * True when automatic syncs must skip `revision`: it failed and was rolled back, and no newer
 * commit has arrived since (a newer commit is a different SHA, so the mark simply stops matching).
 */
export async function isBadRevision(
  redis: RedisClient,
  prefix: string,
  app: string,
  revision: string,
): Promise<boolean> {
  return (await redis.get(key(prefix, app, "bad"))) === revision;
}

export async function badRevision(
  redis: RedisClient,
  prefix: string,
  app: string,
): Promise<string | undefined> {
  return (await redis.get(key(prefix, app, "bad"))) ?? undefined;
}

/** badRevision of many apps in one round trip (one MGET), in the order asked. */
export async function badRevisions(
  redis: RedisClient,
  prefix: string,
  apps: readonly string[],
): Promise<(string | undefined)[]> {
  if (apps.length === 0) return [];
  const revisions = await redis.mget(apps.map((app) => key(prefix, app, "bad")));
  return revisions.map((revision) => revision ?? undefined);
}
