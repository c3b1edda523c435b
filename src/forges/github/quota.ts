// The REST quota left per token (x-ratelimit-remaining on every answer): a gauge per
// installation (or `token` for a personal access token), and the last reading for callers that
// put off work which can wait while the quota runs low (src/preview/quota.ts). A reading whose
// window has reset (x-ratelimit-reset) no longer says anything.
import { Gauge, type Registry } from "prom-client";
import type { ForgeQuota } from "../types.ts";

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

/** A reading without x-ratelimit-reset lasts a full hour (GitHub's primary window). */
export type QuotaReading = ForgeQuota;

const HOUR_MS = 3_600_000;

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
      const reset = Number(headers["x-ratelimit-reset"]);
      this.#last.set(installation, {
        remaining,
        limit: Number.isFinite(limit) ? limit : remaining,
        resetAt: Number.isFinite(reset) ? reset * 1000 : Date.now() + HOUR_MS,
      });
      this.#gauge?.set({ forge: this.#forge, installation }, remaining);
    };
  }

  /** The last reading of the current window, if any. */
  last(installation: string, now = Date.now()): QuotaReading | undefined {
    const reading = this.#last.get(installation);
    return reading && reading.resetAt > now ? reading : undefined;
  }
}
