import { Counter, Histogram, type Registry } from "prom-client";

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
