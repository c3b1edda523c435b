import { Counter, Histogram, type Registry } from "prom-client";

export interface RenderMetrics {
  cacheHits: Counter;
  cacheMisses: Counter;
  cacheSkipped: Counter;
  cacheErrors: Counter;
  renderSeconds: Histogram<"type">;
}

/** Registers the render metrics on `registry` once; later calls return the same instances. */
export function renderMetrics(registry: Registry): RenderMetrics {
  const counter = (name: string, help: string) =>
    (registry.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, registers: [registry] });
  const histogramName = "ferry_render_duration_seconds";
  const renderSeconds =
    (registry.getSingleMetric(histogramName) as Histogram<"type"> | undefined) ??
    new Histogram({
      name: histogramName,
      help: "Time to render one app when the cache misses, by source type",
      labelNames: ["type"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 90],
      registers: [registry],
    });
  return {
    cacheHits: counter("ferry_render_cache_hits_total", "Renders served from the content-keyed cache"),
    cacheMisses: counter("ferry_render_cache_misses_total", "Renders that had to run the renderer"),
    cacheSkipped: counter("ferry_render_cache_skipped_total", "Render results too large to cache"),
    cacheErrors: counter(
      "ferry_render_cache_errors_total",
      "Cache reads or writes that failed (render went on)",
    ),
    renderSeconds,
  };
}
