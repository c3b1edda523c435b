import { describe, expect, it } from "vitest";
import { DEFAULT_BACKOFF, nextCorrection, type BackoffState } from "../../../src/reconcile/backoff.ts";
import { fingerprint } from "../../../src/reconcile/fingerprint.ts";
import { jitterOf } from "../../../src/reconcile/scheduler.ts";

describe("self-heal backoff", () => {
  it("waits 2 s, 6 s, 18 s … capped at 5 min, and starts over after a quiet period", () => {
    let state: BackoffState | undefined;
    let now = 1_000_000;
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const decision = nextCorrection(state, now, DEFAULT_BACKOFF);
      if (!decision.allowed) throw new Error("expected a correction to be allowed");
      state = decision.state;
      waits.push(state.nextAt - now);
      expect(nextCorrection(state, state.nextAt - 1, DEFAULT_BACKOFF)).toEqual({
        allowed: false,
        nextAt: state.nextAt,
      });
      now = state.nextAt;
    }
    expect(waits).toEqual([2_000, 6_000, 18_000, 54_000, 162_000, 300_000, 300_000, 300_000]);
    const after = nextCorrection(state, now + DEFAULT_BACKOFF.quietMs, DEFAULT_BACKOFF);
    expect(after.allowed && after.state.attempt).toBe(0);
  });
});

describe("scheduler jitter and watch fingerprints", () => {
  it("spreads apps deterministically inside the interval", () => {
    const offsets = Array.from({ length: 50 }, (_, i) => jitterOf(`app-${i}`, 180_000));
    expect(offsets.every((offset) => offset >= 0 && offset < 180_000)).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(45);
    expect(jitterOf("app-1", 180_000)).toBe(offsets[1]);
  });

  it("ignores status and resourceVersion, not spec or labels", () => {
    const base = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", resourceVersion: "1", labels: { a: "1" } },
      spec: { replicas: 1 },
      status: { readyReplicas: 0 },
    };
    const print = fingerprint(base);
    expect(
      fingerprint({
        ...base,
        metadata: { ...base.metadata, resourceVersion: "2" },
        status: { readyReplicas: 1 },
      }),
    ).toBe(print);
    expect(fingerprint({ ...base, spec: { replicas: 2 } })).not.toBe(print);
    expect(fingerprint({ ...base, metadata: { ...base.metadata, labels: { a: "2" } } })).not.toBe(print);
  });
});
