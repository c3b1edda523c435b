// Never throw (issue 15): every rule — core kinds, every built-in operator rule, the generic
// conventions and a user CEL rule — gives a valid status for any object shape an API server or a
// file could hand it: missing or null status, wrong types, huge lists, deep nesting. The checks
// are called directly, without assessHealth's catch, so a rule that throws fails here.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assessHealth, defaultHealthChecks, healthCheckFor } from "../../../src/health/registry.ts";
import { parseManifests } from "../../../src/render/manifests.ts";
import { genericHealth } from "../../../src/health/generic.ts";
import { healthStatuses, type Health, type HealthCheck } from "../../../src/health/types.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

/** Field names the rules read, so that random shapes land where a rule looks. */
const fields = [
  "status",
  "type",
  "reason",
  "message",
  "phase",
  "state",
  "conditions",
  "observedGeneration",
  "replicas",
  "readyReplicas",
  "updatedReplicas",
  "availableReplicas",
  "currentReplicas",
  "numberReady",
  "desiredNumberScheduled",
  "updatedNumberScheduled",
  "numberAvailable",
  "succeeded",
  "failed",
  "active",
  "completionTime",
  "loadBalancer",
  "ingress",
  "ip",
  "hostname",
  "containerStatuses",
  "initContainerStatuses",
  "waiting",
  "terminated",
  "running",
  "exitCode",
  "restartPolicy",
  "paused",
  "suspend",
  "strategy",
  "updateStrategy",
  "rollingUpdate",
  "partition",
  "template",
  "spec",
  "parents",
  "validationMessages",
  "level",
  "documentation",
  "url",
  "bindings",
  "health",
  "failureReason",
  "failureMessage",
  "pauseConditions",
  "abort",
  "applied",
  "readyPods",
  "pods",
  "error",
  "validationErrors",
  "phaseReason",
  "currentMetrics",
  "desiredReplicas",
  "minReplicas",
  "maxReplicas",
  "scaleTargetRef",
  "lastScheduleTime",
  "storedVersions",
  "acceptedNames",
  "generation",
  "name",
  "__proto__",
  "constructor",
  "toString",
];
const conditionTypes = [
  "Ready",
  "Stalled",
  "Reconciling",
  "Synced",
  "Available",
  "Progressing",
  "ReplicaFailure",
  "Complete",
  "Failed",
  "Suspended",
  "Established",
  "NamesAccepted",
  "Issuing",
  "Accepted",
  "Programmed",
  "ResolvedRefs",
  "Paused",
  "ReconciliationPaused",
  "NotReady",
  "Healthy",
  "Installed",
  "Offered",
  "Reconciled",
  "AbleToScale",
  "ScalingActive",
  "ScalingLimited",
  "PendingProposal",
  "Rebalancing",
  "ProposalReady",
  "Stopped",
  "InvalidRequest",
  "Denied",
  "cnpg.io/hibernation",
  "PodScheduled",
  "ContainersReady",
  "Initialized",
];
const words = [
  "True",
  "False",
  "Unknown",
  "",
  "Running",
  "Failed",
  "Pending",
  "Healthy",
  "Degraded",
  "ERROR",
  "Completed",
  "Bound",
  "Lost",
  "Terminating",
  "CrashLoopBackOff",
  "Error",
  "Paused",
  "ProgressDeadlineExceeded",
  "NewReplicaSetAvailable",
  "Creating",
  "OnDelete",
  "Never",
  "Always",
];

const leaf = fc.oneof(
  fc.constantFrom(...words),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);

/** A list far longer than any status has (cel.ts bounds what it copies). */
const huge = fc
  .tuple(leaf, fc.integer({ min: 1_001, max: 3_000 }))
  .map(([item, length]) => Array.from({ length }, () => item));

/** Nesting far deeper than any status (objects or lists). */
const deep = fc.tuple(fc.integer({ min: 33, max: 300 }), fc.boolean()).map(([depth, lists]) => {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = lists ? [value] : { status: value, conditions: value };
  return value;
});

const { value } = fc.letrec<{ value: unknown; condition: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    // Huge and deep shapes are costly to judge (every rule copies up to cel.ts's bounds), so
    // they come once in about twenty values: enough to meet each rule many times per run.
    { arbitrary: leaf, weight: 6 },
    { arbitrary: tie("condition"), weight: 3 },
    { arbitrary: fc.array(tie("value"), { maxLength: 4 }), weight: 3 },
    { arbitrary: fc.array(tie("condition"), { maxLength: 6 }), weight: 3 },
    { arbitrary: fc.dictionary(fc.constantFrom(...fields), tie("value"), { maxKeys: 6 }), weight: 3 },
    { arbitrary: huge, weight: 1 },
    { arbitrary: deep, weight: 1 },
  ),
  condition: fc.record(
    {
      type: fc.oneof(fc.constantFrom(...conditionTypes), leaf),
      status: fc.oneof(fc.constantFrom("True", "False", "Unknown", "Degraded"), leaf),
      reason: leaf,
      message: fc.oneof(leaf, tie("value")),
      lastTransitionTime: leaf,
    },
    { requiredKeys: [] },
  ),
}));

/** Shapes a status or spec could have, including plausible ones with a conditions list. */
const section = fc.oneof(
  value,
  fc.record(
    {
      conditions: fc.oneof(value, fc.array(value, { maxLength: 8 })),
      observedGeneration: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constantFrom("3", "x"), leaf),
      phase: leaf,
      state: leaf,
      replicas: fc.oneof(fc.integer({ min: -1, max: 5 }), leaf),
      paused: fc.oneof(fc.boolean(), leaf),
      suspend: fc.oneof(fc.boolean(), leaf),
      parents: value,
      containerStatuses: value,
    },
    { requiredKeys: [] },
  ),
);

function objectOf(apiVersion: string, kind: string) {
  return fc
    .record(
      {
        metadata: fc.record(
          {
            generation: fc.oneof(fc.integer({ min: 0, max: 5 }), leaf),
            namespace: leaf,
            annotations: fc.oneof(value, fc.constant({ "ferry.dev/health": "ignore" })),
            deletionTimestamp: leaf,
            managedFields: value,
          },
          { requiredKeys: [] },
        ),
        spec: section,
        status: section,
      },
      { requiredKeys: [] },
    )
    .map(({ metadata, ...rest }): KubeObject => ({
      apiVersion,
      kind,
      // Files read by `ferry health` only promise a string name (render/manifests.ts).
      metadata: { ...metadata, name: "subject" } as KubeObject["metadata"],
      ...rest,
    }));
}

function expectValid(health: Health): void {
  expect(healthStatuses).toContain(health.status);
  expect(Object.keys(health).every((key) => key === "status" || key === "message")).toBe(true);
  if ("message" in health) expect(typeof health.message).toBe("string");
}

/** A concrete apiVersion and kind for a registry key (`*.domain` and `*` filled in). */
function subjectOf(key: string): { apiVersion: string; kind: string } {
  const slash = key.lastIndexOf("/");
  const group = key.slice(0, slash).replace(/^\*\./, "sub.");
  const kind = key.slice(slash + 1);
  return { apiVersion: group === "" ? "v1" : `${group}/v1`, kind: kind === "*" ? "Anything" : kind };
}

const userRule = {
  apiVersion: "example.com/*",
  kind: "Widget",
  inProgress: `"Ready" in conditions && conditions.Ready.reason == "Pending"`,
  failed: `status.errors.exists(e, e.severity == "fatal") || status.phase == "Failed"`,
  current: `status.readyReplicas >= spec.replicas && metadata.generation == status.observedGeneration`,
  suspended: `spec.suspend == true`,
  message: `{{ status.phase }} {{ status.errors.map(e, e.message).join(", ") }} {{ object }}`,
};
const checks = defaultHealthChecks([userRule]);
const rules: Array<[string, HealthCheck]> = [...checks, ["generic conventions", genericHealth]];

describe("every rule gives a valid status for any object shape", () => {
  it("covers the core kinds, every operator rule, the generic conventions and the user rule", () => {
    const keys = rules.map(([key]) => key);
    for (const key of [
      "apps/Deployment",
      "/Pod",
      "autoscaling/HorizontalPodAutoscaler",
      "example.com/Widget",
    ])
      expect(keys).toContain(key);
    expect(keys.filter((key) => key.includes("cert-manager.io")).length).toBeGreaterThan(3);
    expect(keys.length).toBeGreaterThan(60);
  });

  it.each(rules)("%s", (key, check) => {
    const { apiVersion, kind } =
      key === "generic conventions" ? { apiVersion: "x.dev/v1", kind: "Thing" } : subjectOf(key);
    // The subject reaches this very rule through the registry, as a sync would.
    if (key !== "generic conventions") expect(healthCheckFor(checks, apiVersion, kind)).toBe(check);
    fc.assert(
      fc.property(objectOf(apiVersion, kind), (object) => {
        expectValid(check(object));
      }),
      { numRuns: 40 },
    );
  });
});

describe("shapes that used to exhaust the CEL rules", () => {
  it("a YAML document whose aliases nest (a billion laughs) is judged, not expanded", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`  ${name}: &${name} [${Array.from({ length: 10 }, () => `*${previous}`).join(", ")}]`);
    }
    const text = [
      "apiVersion: kustomize.toolkit.fluxcd.io/v1",
      "kind: Kustomization",
      "metadata: {name: bomb}",
      "status:",
      "  conditions: [{type: Ready, status: 'True'}]",
      "  lol:",
      ...levels.map((line, index) => (index === 0 ? `    ${line}` : `  ${line}`)),
    ].join("\n");
    const [object] = parseManifests(text, "bomb.yaml");
    expect(assessHealth(object, checks)).toEqual({ status: "Healthy" });
  });

  it("a huge spec does not crowd the status out of a rule's view", () => {
    const object: KubeObject = {
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      kind: "Kustomization",
      metadata: { name: "big" },
      spec: {
        patches: Array.from({ length: 900 }, (_, i) => ({
          target: { name: `n${i}` },
          patch: Array(40).fill("x"),
        })),
      },
      status: {
        conditions: [{ type: "Ready", status: "False", reason: "BuildFailed", message: "bad patch" }],
      },
    };
    expect(assessHealth(object, checks)).toEqual({
      status: "Degraded",
      message: "Kustomization big: bad patch",
    });
  });
});
