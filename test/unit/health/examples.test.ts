// The documented examples (test/fixtures/health): core kinds written from the Kubernetes API
// conventions, each built-in operator rule from the operator's documented status, and the
// generic conventions. Each object says in its annotations what Ferry must make of it; the same
// files run through the `ferry health` CLI in test/e2e/health-cli.test.ts.
import { describe, expect, it } from "vitest";
import { assessHealth } from "../../../src/health/registry.ts";
import { healthExamples, healthFixtureFiles } from "../../support/health-fixtures.ts";

const files = healthFixtureFiles();

describe("the fixtures", () => {
  it("cover the core kinds, every operator the issue names and the generic conventions", () => {
    for (const file of [
      "core/deployment.yaml",
      "core/pod.yaml",
      "core/horizontalpodautoscaler.yaml",
      "generic.yaml",
      ...[
        "cert-manager",
        "flux",
        "argo-rollouts",
        "crossplane",
        "external-secrets",
        "cloudnativepg",
        "strimzi",
        "gateway-api",
        "knative",
        "istio",
        "prometheus-operator",
        "keda",
        "velero",
        "cluster-api",
      ].map((operator) => `operators/${operator}.yaml`),
    ])
      expect(files).toContain(file);
  });
});

describe.each(files)("%s", (file) => {
  it.each(
    healthExamples(file).map((example) => [`${example.object.metadata.name}: ${example.example}`, example]),
  )("%s", (_, { object, status, message }) => {
    const health = assessHealth(object);
    expect(health.status).toBe(status);
    if (message !== undefined) expect(health.message ?? "").toBe(message);
  });
});
