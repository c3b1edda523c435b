// The REST quota left per token (x-ratelimit-remaining on every answer): a gauge per
// installation (or `token` for a personal access token), and the last value for callers that
// put off work which can wait while the quota runs low.
import { Gauge, type Registry } from "prom-client";

const METRIC = "ferry_forge_ratelimit_remaining";

function gauge(registry: Registry): Gauge<"forge" | "installation"> {
  return (
    (registry.getSingleMetric(METRIC) as Gauge<"forge" | "installation"> | undefined) ??
    new Gauge({
      name: METRIC,
      help: "Requests left in the forge's current rate-limit window, per installation (x-ratelimit-remaining)",
      labelNames: ["forge", "installation"],
      registers: [registry],
    })
  );
}

export interface QuotaReading {
  remaining: number;
  limit: number;
}

export class QuotaTracker {
  readonly #forge: string;
  readonly #gauge: Gauge<"forge" | "installation"> | undefined;
  readonly #last = new Map<string, QuotaReading>();

  constructor(forge: string, registry: Registry | undefined) {
    this.#forge = forge;
    this.#gauge = registry ? gauge(registry) : undefined;
  }

  /** A response-headers hook for one installation (or "token"). */
  recorder(installation: string): (headers: Record<string, unknown>) => void {
    return (headers) => {
      const remaining = Number(headers["x-ratelimit-remaining"]);
      if (!Number.isFinite(remaining)) return;
      const limit = Number(headers["x-ratelimit-limit"]);
      this.#last.set(installation, { remaining, limit: Number.isFinite(limit) ? limit : remaining });
      this.#gauge?.set({ forge: this.#forge, installation }, remaining);
    };
  }

  last(installation: string): QuotaReading | undefined {
    return this.#last.get(installation);
  }
}
