import { describe, expect, it } from "vitest";
import { phaseTimer } from "../../../src/observability/phases.ts";

describe("phaseTimer", () => {
  it("charges each lap the time since the previous one and adds repeated phases up", () => {
    const clock = [0, 10, 35, 40, 100];
    let tick = 0;
    const timer = phaseTimer(() => clock[tick++] ?? NaN);
    timer.lap("render"); // 0 → 10
    timer.lap("health"); // 10 → 35
    timer.lap("apply"); // 35 → 40
    timer.lap("health"); // 40 → 100
    expect(timer.laps()).toEqual({ render: 10, health: 85, apply: 5 });
    expect(Object.keys(timer.laps())).toEqual(["render", "health", "apply"]);
  });
});
