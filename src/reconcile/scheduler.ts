// One BullMQ job scheduler per app on the reconcile queue, every `sync.interval`. Each app
// gets a fixed offset within its interval derived from its name, so that 300 apps with the
// same interval spread their polls and drift sweeps instead of all firing at once.
import { createHash } from "node:crypto";
import type { Queue } from "bullmq";
import type { AppConfig } from "../config/schema.ts";
import type { ReconcileJob } from "../queue/types.ts";

const SCHEDULER_PREFIX = "reconcile/";

export function schedulerId(app: string): string {
  return `${SCHEDULER_PREFIX}${app}`;
}

/** A deterministic offset in [0, interval): the same app always lands on the same slot. */
export function jitterOf(app: string, intervalMs: number): number {
  const digest = createHash("sha256").update(app).digest();
  return digest.readUInt32BE(0) % Math.max(1, intervalMs);
}

/** Upserts a scheduler per app and removes schedulers of apps no longer configured. */
export async function syncSchedulers(
  queue: Queue,
  apps: ReadonlyArray<Pick<AppConfig, "name" | "sync">>,
): Promise<{ upserted: string[]; removed: string[] }> {
  const wanted = new Set(apps.map((app) => schedulerId(app.name)));
  for (const app of apps) {
    const data: ReconcileJob = { app: app.name, trigger: "timer" };
    await queue.upsertJobScheduler(
      schedulerId(app.name),
      { every: app.sync.interval, offset: jitterOf(app.name, app.sync.interval) },
      { name: "reconcile", data, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } } },
    );
  }
  const removed: string[] = [];
  const existing = await queue.getJobSchedulers(0, -1);
  for (const scheduler of existing) {
    const id = scheduler.key;
    if (!id.startsWith(SCHEDULER_PREFIX) || wanted.has(id)) continue;
    await queue.removeJobScheduler(id);
    removed.push(id);
  }
  return { upserted: [...wanted], removed };
}
