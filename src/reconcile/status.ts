// App status for the API (`GET /api/apps` reads it with readAppStatus/readAppStatuses): one
// JSON document per app in Redis, rewritten by every reconcile run.
import type { RedisClient } from "../queue/connection.ts";
import { z } from "zod";
import { parseJsonOrUndefined } from "../json.ts";
import { changesChannel, reconcileKey } from "../keys.ts";
import { indexReconciled } from "../state/app-state-index.ts";
import { changeMessage } from "../state/changes.ts";
import { appSyncStatuses, type AppStatus, type AppSyncStatus } from "./types.ts";

const explanationSchema = z.object({
  field: z.string(),
  managers: z.array(z.string()),
  desired: z.string(),
  live: z.string(),
  text: z.string(),
});

const driftedSchema = z.object({
  key: z.string(),
  apiVersion: z.string(),
  kind: z.string(),
  namespace: z.string().optional(),
  name: z.string(),
  state: z.enum(["modified", "deleted", "error"]),
  fields: z.array(explanationSchema),
  summary: z.array(z.string()),
  error: z.string().optional(),
});

export const appStatusSchema = z.object({
  app: z.string(),
  status: z.enum(appSyncStatuses),
  revision: z.string().optional(),
  head: z.string().optional(),
  checkedAt: z.string(),
  drifted: z.array(driftedSchema),
  message: z.string().optional(),
  lastCorrection: z.object({ at: z.string(), objects: z.array(z.string()) }).optional(),
});

export async function writeAppStatus(redis: RedisClient, status: AppStatus, prefix: string): Promise<void> {
  const valid = appStatusSchema.parse(status);
  const multi = redis.multi().set(reconcileKey(prefix, status.app, "status"), JSON.stringify(valid));
  await indexReconciled(multi, prefix, status.app, valid)
    .publish(changesChannel(prefix), changeMessage({ app: status.app }))
    .exec();
}

function parseStatus(text: string | null): AppStatus | undefined {
  return text === null ? undefined : parseJsonOrUndefined(appStatusSchema, text);
}

/** undefined when the app was never reconciled (or its record is unreadable). */
export async function readAppStatus(
  redis: RedisClient,
  app: string,
  prefix: string,
): Promise<AppStatus | undefined> {
  return parseStatus(await redis.get(reconcileKey(prefix, app, "status")));
}

/** Statuses of many apps in one round trip, in the order asked. */
export async function readAppStatuses(
  redis: RedisClient,
  apps: readonly string[],
  prefix: string,
): Promise<Map<string, AppStatus | undefined>> {
  if (apps.length === 0) return new Map();
  const texts = await redis.mget(apps.map((app) => reconcileKey(prefix, app, "status")));
  return new Map(apps.map((app, index) => [app, parseStatus(texts[index] ?? null)]));
}

export async function countStatuses(
  redis: RedisClient,
  apps: readonly string[],
  prefix: string,
): Promise<Record<AppSyncStatus, number>> {
  const counts: Record<AppSyncStatus, number> = { Synced: 0, OutOfSync: 0, Syncing: 0, Failed: 0 };
  for (const status of (await readAppStatuses(redis, apps, prefix)).values()) {
    if (status) counts[status.status]++;
  }
  return counts;
}
