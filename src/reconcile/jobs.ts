// Enqueueing reconcile runs outside the timer: a watch event (debounced: at most one pending
// and one follow-up per app, BullMQ keepLastIfActive) and a self-heal retry once its backoff
// has passed (its own dedupe id, so a pending retry never swallows a watch event).
import type { Queue } from "bullmq";
import { createHash } from "node:crypto";
import type { ReconcileJob } from "../queue/types.ts";

const keep = { removeOnComplete: { count: 200 }, removeOnFail: { count: 500 } };

function safe(app: string): string {
  return app.toLowerCase().replace(/[^a-z0-9._-]/g, "_");
}

function uniqueSuffix(): string {
  return createHash("sha256")
    .update(`${process.pid}-${Date.now()}-${Math.random()}`)
    .digest("hex")
    .slice(0, 16);
}

export async function enqueueWatchReconcile(queue: Queue, app: string): Promise<void> {
  const data: ReconcileJob = { app, trigger: "watch" };
  await queue.add("reconcile", data, {
    jobId: `reconcile/${safe(app)}/watch-${uniqueSuffix()}`,
    deduplication: { id: `reconcile/${safe(app)}`, keepLastIfActive: true },
    ...keep,
  });
}

export async function enqueueHealRetry(queue: Queue, app: string, delayMs: number): Promise<void> {
  const data: ReconcileJob = { app, trigger: "heal" };
  await queue.add("reconcile", data, {
    jobId: `reconcile/${safe(app)}/heal-${uniqueSuffix()}`,
    delay: Math.max(0, delayMs),
    deduplication: { id: `reconcile/${safe(app)}/heal` },
    ...keep,
  });
}
