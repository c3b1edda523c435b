import type { ServerResponse } from "node:http";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface WebhookMetrics {
  deliveries: Counter<"forge" | "event" | "outcome">;
  latency: Histogram<"forge" | "outcome">;
}

/** The receiver's metrics, registered on the registry the caller owns. */
export function webhookMetrics(registry: Registry): WebhookMetrics {
  return {
    deliveries: new Counter({
      name: "ferry_webhooks_total",
      help: "Webhook deliveries by forge, event and outcome",
      labelNames: ["forge", "event", "outcome"],
      registers: [registry],
    }),
    latency: new Histogram({
      name: "ferry_webhook_duration_seconds",
      help: "Time from request to answer for webhook deliveries",
      labelNames: ["forge", "outcome"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
  };
}

/** Counts and times one webhook request when its answer is sent; `context` is read then. */
export function recordOnFinish(
  metrics: WebhookMetrics,
  res: ServerResponse,
  context: { forge?: string; event?: string; outcome?: string },
): void {
  const started = process.hrtime.bigint();
  // Emitted once per response (`once` would wrap the listener for nothing).
  res.on("finish", () => {
    const outcome = String(context.outcome ?? (res.statusCode >= 500 ? "error" : "refused"));
    const forge = String(context.forge ?? "unknown");
    // The event label is only set after verification, so strangers cannot mint labels.
    metrics.deliveries.inc({ forge, event: String(context.event ?? "unverified"), outcome });
    metrics.latency.observe({ forge, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  });
}

/** The bytes of webhook bodies held right now (read at scrape time: nothing per request). */
export function bodyBytesMetric(registry: Registry, budget: { inFlight: number }): void {
  new Gauge({
    name: "ferry_webhook_body_bytes_in_flight",
    help: "Bytes of webhook bodies the receiver holds or has reserved (server.maxBodyBytesInFlight)",
    registers: [registry],
    collect() {
      this.set(budget.inFlight);
    },
  });
}
