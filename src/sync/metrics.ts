// Sync metrics, registered on the Registry the process passes in (never the global one).
import { Counter, Histogram, type Registry } from "prom-client";
import type { SyncOutcome } from "./types.ts";

export function syncMetrics(registry: Registry) {
  return {
    syncs: new Counter({
      name: "ferry_sync_total",
      help: "Syncs by app and result (succeeded, failed, rolled-back, skipped)",
      labelNames: ["app", "result"] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "ferry_sync_duration_seconds",
      help: "Time from the start of a sync to its outcome, rollback included",
      labelNames: ["app", "result"] as const,
      buckets: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    objects: new Counter({
      name: "ferry_sync_objects_total",
      help: "Objects handled by syncs, by action (applied, pruned, unchanged)",
      labelNames: ["app", "action"] as const,
      registers: [registry],
    }),
  };
}

export type SyncMetrics = ReturnType<typeof syncMetrics>;

export function observeOutcome(metrics: SyncMetrics, outcome: SyncOutcome): void {
  const labels = { app: outcome.app, result: outcome.result };
  metrics.syncs.inc(labels);
  metrics.duration.observe(labels, outcome.durationMs / 1000);
  metrics.objects.inc({ app: outcome.app, action: "applied" }, outcome.applied.length);
  metrics.objects.inc({ app: outcome.app, action: "pruned" }, outcome.pruned.length);
  metrics.objects.inc({ app: outcome.app, action: "unchanged" }, outcome.unchanged.length);
}
