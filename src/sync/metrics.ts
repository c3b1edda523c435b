// Sync metrics, registered on the Registry the process passes in (never the global one) and
// found again by name, so every processor on one registry shares the same series.
import { Counter, Histogram, type Registry } from "prom-client";
import type { SyncOutcome } from "./types.ts";

function existing<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function syncMetrics(registry: Registry) {
  return {
    syncs: existing(
      registry,
      "ferry_sync_total",
      () =>
        new Counter({
          name: "ferry_sync_total",
          help: "Syncs by app, result (succeeded, failed, rolled-back, skipped) and reason (src/outcome.ts)",
          labelNames: ["app", "result", "reason"] as const,
          registers: [registry],
        }),
    ),
    duration: existing(
      registry,
      "ferry_sync_duration_seconds",
      () =>
        new Histogram({
          name: "ferry_sync_duration_seconds",
          help: "Time from the start of a sync to its outcome, rollback included",
          labelNames: ["app", "result"] as const,
          buckets: [0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
          registers: [registry],
        }),
    ),
    objects: existing(
      registry,
      "ferry_sync_objects_total",
      () =>
        new Counter({
          name: "ferry_sync_objects_total",
          help: "Objects handled by syncs, by action (applied, pruned, unchanged)",
          labelNames: ["app", "action"] as const,
          registers: [registry],
        }),
    ),
    phases: existing(
      registry,
      "ferry_deploy_phase_seconds",
      () =>
        new Histogram({
          name: "ferry_deploy_phase_seconds",
          help: "Time a deploy spends in each phase (lock, revision, render, validate, apply, health, feedback…)",
          labelNames: ["phase"] as const,
          buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers: [registry],
        }),
    ),
  };
}

export type SyncMetrics = ReturnType<typeof syncMetrics>;

/** One deploy's laps (observability/phases.ts), in milliseconds. */
export function observePhases(metrics: SyncMetrics, laps: Record<string, number>): void {
  for (const [phase, ms] of Object.entries(laps)) metrics.phases.observe({ phase }, ms / 1000);
}

export function observeOutcome(metrics: SyncMetrics, outcome: SyncOutcome): void {
  const labels = { app: outcome.app, result: outcome.result };
  metrics.syncs.inc({ ...labels, reason: outcome.reason });
  metrics.duration.observe(labels, outcome.durationMs / 1000);
  metrics.objects.inc({ app: outcome.app, action: "applied" }, outcome.applied.length);
  metrics.objects.inc({ app: outcome.app, action: "pruned" }, outcome.pruned.length);
  metrics.objects.inc({ app: outcome.app, action: "unchanged" }, outcome.unchanged.length);
}
