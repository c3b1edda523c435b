import type { Registry } from "prom-client";
import type { Logger } from "../observability/logger.ts";

/** How a forge client waits and retries. Production uses the defaults; tests shrink the clock. */
export interface ForgeOptions {
  logger?: Logger;
  /** Where forge clients record their metrics (the remaining rate-limit quota). */
  registry?: Registry;
  /** Retries after the first attempt, for 5xx, network errors and rate limits. */
  retries?: number;
  /**
   * Milliseconds per "second" of a Retry-After header and the unit of the backoff
   * ((attempt+1)² units). 1000 in production; a test passes e.g. 5 to wait out
   * `Retry-After: 1` in 5 ms while still proving the header was honoured.
   */
  retryUnitMs?: number;
  /** A Retry-After longer than this (seconds) is not waited out in-process: the job retries later. */
  maxRetryAfterSeconds?: number;
  /**
   * Gap between write calls on GitHub: the docs ask for at least one second between
   * POST/PATCH/PUT/DELETE calls of one client to avoid secondary rate limits
   * (https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api).
   */
  writeIntervalMs?: number;
}

export interface ResolvedForgeOptions {
  logger: Logger | undefined;
  registry: Registry | undefined;
  retries: number;
  retryUnitMs: number;
  maxRetryAfterSeconds: number;
  writeIntervalMs: number;
}

export function resolveForgeOptions(options: ForgeOptions = {}): ResolvedForgeOptions {
  return {
    logger: options.logger,
    registry: options.registry,
    retries: options.retries ?? 3,
    retryUnitMs: options.retryUnitMs ?? 1000,
    maxRetryAfterSeconds: options.maxRetryAfterSeconds ?? 120,
    writeIntervalMs: options.writeIntervalMs ?? 1000,
  };
}

/** Backoff before retry number `attempt` (0-based): 1, 4, 9 … units. */
export function backoffMs(options: ResolvedForgeOptions, attempt: number): number {
  return (attempt + 1) ** 2 * options.retryUnitMs;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
