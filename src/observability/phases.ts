// Where a deploy's time goes: a stopwatch that the pipeline and the sync engine lap at each
// phase boundary (revision, render, validate, apply, health…). The laps end up in the
// `ferry_deploy_phase_seconds{phase}` histogram and one debug log line per deploy, so the
// merge → live path can be profiled on a running Ferry (and by bench/deploy.bench.ts).
import { performance } from "node:perf_hooks";

export interface PhaseTimer {
  /** Charges the time since the previous lap (or the start) to `phase`; repeated phases add up. */
  lap(phase: string): void;
  /** Milliseconds per phase, in the order the phases first ran. */
  laps(): Record<string, number>;
}

export function phaseTimer(now: () => number = () => performance.now()): PhaseTimer {
  let last = now();
  const spent = new Map<string, number>();
  return {
    lap(phase) {
      const at = now();
      spent.set(phase, (spent.get(phase) ?? 0) + (at - last));
      last = at;
    },
    laps() {
      return Object.fromEntries([...spent].map(([phase, ms]) => [phase, Math.round(ms * 10) / 10]));
    },
  };
}

/** A timer that records nothing, for callers that do not profile (rollback, `ferry sync` tests). */
export const noPhases: PhaseTimer = { lap: () => undefined, laps: () => ({}) };
