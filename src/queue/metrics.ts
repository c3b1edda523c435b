// Queue depth (read from Redis when Prometheus scrapes) and job durations (observed by the
// workers). Depth is what to autoscale workers on; CPU is a poor signal for them.
import { Gauge, Histogram, type Registry } from "prom-client";
import type { Queues } from "./queues.ts";

const states = ["waiting", "active", "delayed", "failed", "prioritized"] as const;

export function queueDepthMetric(registry: Registry, queues: Queues): Gauge {
  return new Gauge({
    name: "ferry_queue_jobs",
    help: "Jobs in each queue by state, read from Redis at scrape time",
    labelNames: ["queue", "state"],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [name, queue] of Object.entries(queues)) {
        const counts = await queue.getJobCounts(...states);
        for (const state of states) this.set({ queue: name, state }, counts[state] ?? 0);
      }
    },
  });
}

export function jobDurationMetric(registry: Registry): Histogram {
  return new Histogram({
    name: "ferry_job_duration_seconds",
    help: "Time a worker spent on a job, by queue and outcome",
    labelNames: ["queue", "outcome"],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
}
