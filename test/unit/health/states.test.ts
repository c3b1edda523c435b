// What the documented examples (examples.test.ts, one object and its expected status each)
// cannot show: how the states end a sync's wait and rank in an app, an absent object, a
// caller's own check, and an HPA's grace period, which depends on the clock.
import { describe, expect, it } from "vitest";
import { METRICS_GRACE_MS } from "../../../src/health/autoscaling.ts";
import { assessHealth, defaultHealthChecks } from "../../../src/health/registry.ts";
import { settled, worstHealth, type HealthStatus } from "../../../src/health/types.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

describe("the states and a sync", () => {
  it("ends the wait on Healthy, Suspended and Unknown, never on Progressing or Missing", () => {
    const done = (
      ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"] as HealthStatus[]
    ).filter(settled);
    expect(done).toEqual(["Healthy", "Suspended", "Unknown"]);
  });
  it("ranks an app by its worst object: Unknown above Suspended and below Progressing", () => {
    expect(worstHealth([{ status: "Suspended" }, { status: "Healthy" }]).status).toBe("Suspended");
    expect(worstHealth([{ status: "Suspended" }, { status: "Unknown" }]).status).toBe("Unknown");
    expect(worstHealth([{ status: "Unknown" }, { status: "Progressing" }]).status).toBe("Progressing");
    expect(
      worstHealth([{ status: "Healthy" }, { status: "Missing" }, { status: "Progressing" }]).status,
    ).toBe("Missing");
  });
});

describe("the registry", () => {
  const ingress: KubeObject = {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "web", namespace: "shop" },
    spec: {},
  };
  it("says Missing for an absent object", () => {
    expect(assessHealth(undefined)).toEqual({ status: "Missing" });
  });
  it("lets callers override a check", () => {
    expect(assessHealth(ingress).status).toBe("Progressing");
    const checks = defaultHealthChecks();
    checks.set("networking.k8s.io/Ingress", () => ({ status: "Healthy" }));
    expect(assessHealth(ingress, checks).status).toBe("Healthy");
  });
});

describe("HorizontalPodAutoscaler", () => {
  it("gets a grace period to compute its metrics after a change, then is Degraded", () => {
    const failingSince = (ms: number): KubeObject => ({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", namespace: "shop" },
      spec: {},
      status: {
        currentReplicas: 2,
        conditions: [
          { type: "AbleToScale", status: "True", reason: "ReadyForNewScale" },
          {
            type: "ScalingActive",
            status: "False",
            reason: "FailedGetResourceMetric",
            message: "the HPA was unable to compute the replica count: no metrics returned",
            lastTransitionTime: new Date(Date.now() - ms).toISOString(),
          },
        ],
      },
    });
    expect(assessHealth(failingSince(1_000)).status).toBe("Progressing");
    expect(assessHealth(failingSince(METRICS_GRACE_MS * 5))).toEqual({
      status: "Degraded",
      message:
        "HorizontalPodAutoscaler web: FailedGetResourceMetric: the HPA was unable to compute the replica count: no metrics returned",
    });
  });
});
