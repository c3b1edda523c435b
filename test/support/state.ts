// A StateSeal with a fresh random key for tests that call the sync engine, the render cache or
// the reconcile store directly (the harnesses' runtimes read FERRY_STATE_KEY, which
// vitest.config.ts sets for the run).
import { pino } from "pino";
import { Registry } from "prom-client";
import { StateSeal } from "../../src/state/seal.ts";
import type { Logger } from "../../src/observability/logger.ts";

export function testSeal(options: { registry?: Registry; logger?: Logger; keys?: string[] } = {}): StateSeal {
  return new StateSeal(options.keys ?? [StateSeal.generateKey()], {
    registry: options.registry ?? new Registry(),
    logger: options.logger ?? pino({ level: "silent" }),
  });
}
