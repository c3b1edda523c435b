// Preview metrics on the runtime's registry. Found again by name, so that every run of the
// pipeline on one registry shares the same series.
import { Counter, Histogram, type Registry } from "prom-client";

export interface PreviewMetrics {
  runs: Counter<"result">;
  seconds: Histogram<"result">;
}

export function previewMetrics(registry: Registry): PreviewMetrics {
  const runs =
    (registry.getSingleMetric("ferry_preview_runs_total") as Counter<"result"> | undefined) ??
    new Counter({
      name: "ferry_preview_runs_total",
      help: "Preview runs by result: success, failure (blocking findings), superseded, closed, error",
      labelNames: ["result"],
      registers: [registry],
    });
  const seconds =
    (registry.getSingleMetric("ferry_preview_duration_seconds") as Histogram<"result"> | undefined) ??
    new Histogram({
      name: "ferry_preview_duration_seconds",
      help: "Time from picking up a preview job to its comment and status",
      labelNames: ["result"],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    });
  return { runs, seconds };
}
