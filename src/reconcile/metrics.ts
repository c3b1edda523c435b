// Reconcile metrics on a Registry the caller owns (never the global one).
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { appSyncStatuses, type AppSyncStatus } from "./types.ts";

export interface ReconcileMetrics {
  duration: Histogram<"trigger" | "result">;
  driftDetected: Counter<"app" | "state">;
  driftCorrected: Counter<"app">;
  polls: Counter<"reason">;
}

export interface ReconcileMetricsOptions {
  /** Reads the number of apps per status at scrape time (e.g. countStatuses over the config's apps). */
  statusCounts?: () => Promise<Record<AppSyncStatus, number>>;
}

export function reconcileMetrics(
  registry: Registry,
  options: ReconcileMetricsOptions = {},
): ReconcileMetrics {
  const statusCounts = options.statusCounts;
  new Gauge({
    name: "ferry_apps_by_status",
    help: "Apps per sync status (Synced, OutOfSync, Syncing, Failed)",
    labelNames: ["status"],
    registers: [registry],
    async collect() {
      if (statusCounts === undefined) return;
      const counts = await statusCounts();
      for (const status of appSyncStatuses) this.set({ status }, counts[status]);
    },
  });
  return {
    duration: new Histogram({
      name: "ferry_reconcile_duration_seconds",
      help: "Duration of one reconcile run (poll, drift check, self-heal)",
      labelNames: ["trigger", "result"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    driftDetected: new Counter({
      name: "ferry_drift_detected_total",
      help: "Drifted objects found (counted once per reconcile run that saw them)",
      labelNames: ["app", "state"],
      registers: [registry],
    }),
    driftCorrected: new Counter({
      name: "ferry_drift_corrected_total",
      help: "Drifted objects put back by self-heal",
      labelNames: ["app"],
      registers: [registry],
    }),
    polls: new Counter({
      name: "ferry_reconcile_polls_total",
      help: "Branch polls by reason (AlreadyDeployed, NotAffected, HeldBack, AutoSyncOff, Paused, SyncEnqueued)",
      labelNames: ["reason"],
      registers: [registry],
    }),
  };
}
