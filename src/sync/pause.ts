// Pausing an app (the web UI's Pause/Resume): while paused, nothing automatic changes it —
// pushes and polls do not deploy (the deploy pipeline skips their syncs) and reconcile reports
// drift without healing it. A person's sync, force or rollback still runs. One key per app
// (src/keys.ts) says who paused it and when.
import { z } from "zod";
import { parseJsonOrUndefined } from "../json.ts";
import { syncKey } from "../keys.ts";
import type { RedisClient } from "../queue/connection.ts";
import { announceChange } from "../state/changes.ts";

const pauseSchema = z.object({ by: z.string(), at: z.string() });
export type Pause = z.infer<typeof pauseSchema>;

function pauseOf(raw: string | null): Pause | undefined {
  if (raw === null) return undefined;
  // A value not written by Ferry still pauses: stopping automation is the safe reading.
  return parseJsonOrUndefined(pauseSchema, raw) ?? { by: "unknown", at: new Date(0).toISOString() };
}

export async function readPause(redis: RedisClient, prefix: string, app: string): Promise<Pause | undefined> {
  return pauseOf(await redis.get(syncKey(prefix, app, "paused")));
}

/** readPause of many apps in one round trip (one MGET), in the order asked. */
export async function readPauses(
  redis: RedisClient,
  prefix: string,
  apps: readonly string[],
): Promise<(Pause | undefined)[]> {
  if (apps.length === 0) return [];
  return (await redis.mget(apps.map((app) => syncKey(prefix, app, "paused")))).map(pauseOf);
}

export async function pauseApp(redis: RedisClient, prefix: string, app: string, by: string): Promise<void> {
  const pause: Pause = { by, at: new Date().toISOString() };
  await redis.set(syncKey(prefix, app, "paused"), JSON.stringify(pause));
  await announceChange(redis, prefix, { app });
}

export async function resumeApp(redis: RedisClient, prefix: string, app: string): Promise<void> {
  await redis.del(syncKey(prefix, app, "paused"));
  await announceChange(redis, prefix, { app });
}
