// The states Suspended and Unknown, the core kinds added for them (CronJob, HPA, Pod reasons)
// and the generic conventions every other kind falls back to.
import { describe, expect, it } from "vitest";
import { HPA_V1_CONDITIONS_ANNOTATION, METRICS_GRACE_MS } from "../../../src/health/autoscaling.ts";
import { assessHealth } from "../../../src/health/registry.ts";
import { settled, worstHealth, type HealthStatus } from "../../../src/health/types.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

function obj(
  apiVersion: string,
  kind: string,
  rest: Record<string, unknown>,
  generation?: number,
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: { name: "x", namespace: "shop", ...(generation ? { generation } : {}) },
    ...rest,
  };
}

describe("the states and a sync", () => {
  it("ends the wait on Healthy, Suspended and Unknown, never on Progressing or Missing", () => {
    const done = (
      ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"] as HealthStatus[]
    ).filter(settled);
    expect(done).toEqual(["Healthy", "Suspended", "Unknown"]);
  });
  it("ranks Unknown above Suspended and below Progressing", () => {
    expect(worstHealth([{ status: "Suspended" }, { status: "Healthy" }]).status).toBe("Suspended");
    expect(worstHealth([{ status: "Suspended" }, { status: "Unknown" }]).status).toBe("Unknown");
    expect(worstHealth([{ status: "Unknown" }, { status: "Progressing" }]).status).toBe("Progressing");
  });
});

describe("CronJob health", () => {
  it("is Suspended when suspended, else Healthy once accepted", () => {
    const cron = (spec: Record<string, unknown>) =>
      obj("batch/v1", "CronJob", { spec: { schedule: "*/5 * * * *", ...spec }, status: {} });
    expect(assessHealth(cron({ suspend: true }))).toEqual({
      status: "Suspended",
      message: "CronJob x is suspended",
    });
    expect(assessHealth(cron({})).status).toBe("Healthy");
  });
});

describe("HorizontalPodAutoscaler health", () => {
  const since = (ms: number) => new Date(Date.now() - ms).toISOString();
  const able = { type: "AbleToScale", status: "True", reason: "ReadyForNewScale" };
  const v2 = (conditions: unknown[]) =>
    obj("autoscaling/v2", "HorizontalPodAutoscaler", {
      spec: {},
      status: { currentReplicas: 2, conditions },
    });

  it("is Healthy when it can scale and computes metrics, also at its limit", () => {
    const active = { type: "ScalingActive", status: "True", reason: "ValidMetricFound" };
    const limited = { type: "ScalingLimited", status: "True", reason: "TooManyReplicas" };
    expect(assessHealth(v2([able, active, limited])).status).toBe("Healthy");
  });
  it("is Degraded when it has not computed metrics for a while, Progressing just after a rollout", () => {
    const failing = (age: number) => ({
      type: "ScalingActive",
      status: "False",
      reason: "FailedGetResourceMetric",
      message: "the HPA was unable to compute the replica count: no metrics returned",
      lastTransitionTime: since(age),
    });
    expect(assessHealth(v2([able, failing(METRICS_GRACE_MS * 5)]))).toMatchObject({
      status: "Degraded",
      message: expect.stringMatching(/FailedGetResourceMetric: the HPA was unable/) as unknown,
    });
    expect(assessHealth(v2([able, failing(1_000)])).status).toBe("Progressing");
  });
  it("is Degraded when it cannot get or update the target's scale", () => {
    const cannot = {
      type: "AbleToScale",
      status: "False",
      reason: "FailedGetScale",
      message: "deployments/web not found",
    };
    expect(assessHealth(v2([cannot])).status).toBe("Degraded");
  });
  it("is Suspended when its target was scaled to zero", () => {
    const disabled = { type: "ScalingActive", status: "False", reason: "ScalingDisabled" };
    expect(assessHealth(v2([able, disabled])).status).toBe("Suspended");
  });
  it("reads autoscaling/v1 conditions from their annotation, and waits before the first report", () => {
    const v1 = (annotation?: string) => ({
      apiVersion: "autoscaling/v1",
      kind: "HorizontalPodAutoscaler",
      metadata: {
        name: "web",
        ...(annotation ? { annotations: { [HPA_V1_CONDITIONS_ANNOTATION]: annotation } } : {}),
      },
      spec: { maxReplicas: 4 },
      status: { currentReplicas: 1, desiredReplicas: 1 },
    });
    const failing = JSON.stringify([
      able,
      {
        type: "ScalingActive",
        status: "False",
        reason: "FailedGetResourceMetric",
        lastTransitionTime: since(3_600_000),
      },
    ]);
    expect(assessHealth(v1(failing)).status).toBe("Degraded");
    expect(assessHealth(v1()).status).toBe("Progressing");
    expect(assessHealth(v1("{not json")).status).toBe("Unknown");
  });
});

describe("Pod reasons and restart policy", () => {
  const pod = (restartPolicy: string, status: Record<string, unknown>) =>
    obj("v1", "Pod", { spec: { restartPolicy, containers: [{ name: "app" }] }, status });
  const ready = [{ type: "Ready", status: "True" }];

  it("is Degraded when a restarting container terminated with Error or OOMKilled", () => {
    for (const reason of ["Error", "OOMKilled"]) {
      const status = {
        phase: "Running",
        conditions: [{ type: "Ready", status: "False" }],
        containerStatuses: [{ name: "app", state: { terminated: { reason, exitCode: 1 } } }],
      };
      expect(assessHealth(pod("Always", status))).toEqual({
        status: "Degraded",
        message: `Pod x: container app is in ${reason}`,
      });
    }
  });
  it("does not count a completed init container as a failure", () => {
    const status = {
      phase: "Running",
      conditions: ready,
      initContainerStatuses: [{ name: "init", state: { terminated: { reason: "Completed", exitCode: 0 } } }],
      containerStatuses: [{ name: "app", state: { running: {} } }],
    };
    expect(assessHealth(pod("Always", status)).status).toBe("Healthy");
  });
  it("waits for a run-to-completion pod to succeed even while it runs and is ready", () => {
    const running = { phase: "Running", conditions: ready };
    expect(assessHealth(pod("Never", running)).status).toBe("Progressing");
    expect(assessHealth(pod("OnFailure", running)).status).toBe("Progressing");
    expect(assessHealth(pod("Never", { phase: "Succeeded" })).status).toBe("Healthy");
  });
  it("is Degraded on a RunContainerError and Unknown when its node stopped reporting", () => {
    const waiting = {
      phase: "Pending",
      containerStatuses: [{ name: "app", state: { waiting: { reason: "RunContainerError" } } }],
    };
    expect(assessHealth(pod("Always", waiting)).status).toBe("Degraded");
    expect(assessHealth(pod("Always", { phase: "Unknown", reason: "NodeLost" })).status).toBe("Unknown");
  });
});

describe("generic conventions for any other kind", () => {
  const widget = (spec: Record<string, unknown>, status?: unknown, generation = 2) =>
    obj("example.com/v1", "Widget", { spec, ...(status === undefined ? {} : { status }) }, generation);
  const condition = (type: string, status: string, reason = "", message = "") => ({
    type,
    status,
    reason,
    message,
  });

  it("is Suspended with spec.suspend or spec.paused true, before anything else", () => {
    expect(assessHealth(widget({ suspend: true }, { observedGeneration: 1 })).status).toBe("Suspended");
    expect(assessHealth(widget({ paused: true }, {})).message).toBe("Widget x is paused");
    expect(assessHealth(widget({ suspend: "yes" }, {})).status).toBe("Healthy");
  });
  it("is Progressing while the generation is not observed, also when written as a string", () => {
    expect(
      assessHealth(widget({}, { observedGeneration: 1, conditions: [condition("Ready", "True")] })).status,
    ).toBe("Progressing");
    expect(assessHealth(widget({}, { observedGeneration: "1" })).status).toBe("Progressing");
    expect(assessHealth(widget({}, { observedGeneration: "2" })).status).toBe("Healthy");
  });
  it("reads kstatus Stalled and Reconciling before Ready", () => {
    const stalled = [
      condition("Stalled", "True", "InvalidSpec", "spec.size must be positive"),
      condition("Ready", "False"),
    ];
    expect(assessHealth(widget({}, { conditions: stalled }))).toEqual({
      status: "Degraded",
      message: "Widget x stalled: spec.size must be positive",
    });
    const reconciling = [condition("Reconciling", "True", "Progressing"), condition("Ready", "True")];
    expect(assessHealth(widget({}, { conditions: reconciling })).status).toBe("Progressing");
  });
  it("reads Ready=False as on its way when its reason says so, else as failed", () => {
    expect(
      assessHealth(widget({}, { conditions: [condition("Ready", "False", "Provisioning")] })).status,
    ).toBe("Progressing");
    expect(
      assessHealth(widget({}, { conditions: [condition("Ready", "False", "QuotaExceeded")] })).status,
    ).toBe("Degraded");
  });
  it("maps common phase and state words, and an unfamiliar one to Unknown", () => {
    const byPhase = (phase: unknown) => assessHealth(widget({}, { phase })).status;
    expect([
      byPhase("Running"),
      byPhase("Pending"),
      byPhase("Failed"),
      byPhase("Paused"),
      byPhase("Bananas"),
    ]).toEqual(["Healthy", "Progressing", "Degraded", "Suspended", "Unknown"]);
    expect(assessHealth(widget({}, { state: "error", message: "disk full" }))).toEqual({
      status: "Degraded",
      message: "Widget x is error: disk full",
    });
    expect(byPhase(42)).toBe("Healthy");
  });
  it("is Unknown, not an exception, when the conditions are not a list of conditions", () => {
    expect(assessHealth(widget({}, { conditions: "Ready" })).status).toBe("Unknown");
    expect(assessHealth(widget({}, "not an object")).status).toBe("Unknown");
  });
});
