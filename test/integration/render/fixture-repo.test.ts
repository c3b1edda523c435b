// The fixture repository (test/fixtures/repos/web) renders to exactly what helm and kustomize
// give by hand. Expected counts come from `helm template` on the same files, so the tests keep
// their meaning when the chart changes.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HELM_HOOK_ANNOTATION } from "../../../src/kube/types.ts";
import { toolPath } from "../../../src/render/binaries.ts";
import { byHand, fixtureRepo, render, sortObjects, withNamespace, withoutFerry } from "./helpers.ts";

const chart = join(fixtureRepo, "charts", "web");
const isTest = (object: { metadata: { annotations?: Record<string, string> } }) =>
  /^test(-success)?$/.test(object.metadata.annotations?.[HELM_HOOK_ANNOTATION] ?? "");

describe("fixture repository", () => {
  it("renders the chart with values-prod.yaml like helm template --skip-tests, hooks and optional templates included", async () => {
    const result = await render(fixtureRepo, "charts/web", { valueFiles: ["values-prod.yaml"] });
    const reference = await byHand(toolPath("helm"), [
      "template",
      "web",
      chart,
      "--namespace",
      "shop",
      "-f",
      join(chart, "values-prod.yaml"),
      "--skip-tests",
    ]);
    expect(result.sourceType).toBe("helm");
    expect(result.cacheHit).toBe(false);
    expect(result.objects).toHaveLength(reference.length);
    expect(result.objects.map((object) => object.kind)).toEqual(
      expect.arrayContaining(["Job", "HorizontalPodAutoscaler", "PodDisruptionBudget"]),
    );
    expect(sortObjects(withoutFerry(result.objects))).toEqual(sortObjects(withNamespace(reference, "shop")));
  });

  it("leaves out the test Pods that helm template would print, with values-prod.yaml and with defaults", async () => {
    const prod = await byHand(toolPath("helm"), [
      "template",
      "web",
      chart,
      "-f",
      join(chart, "values-prod.yaml"),
    ]);
    const defaults = await byHand(toolPath("helm"), ["template", "web", chart]);
    expect(prod.filter(isTest)).toHaveLength(2);
    expect(defaults.filter(isTest)).toHaveLength(1);

    const oursProd = await render(fixtureRepo, "charts/web", { valueFiles: ["values-prod.yaml"] });
    expect(oursProd.objects).toHaveLength(prod.length - 2);
    const ours = await render(fixtureRepo, "charts/web");
    expect(ours.objects.map((object) => object.kind).sort()).toEqual(
      defaults
        .filter((object) => !isTest(object))
        .map((object) => object.kind)
        .sort(),
    );
  });

  it("passes inline values, release name, kube version and API versions through", async () => {
    const options = { kubeVersion: "v1.33.0", apiVersions: ["monitoring.coreos.com/v1"] };
    const result = await render(
      fixtureRepo,
      "charts/web",
      {
        valueFiles: ["values-prod.yaml"],
        values: { replicaCount: 3, hpa: { enabled: false } },
        releaseName: "front",
      },
      options,
    );
    const deployment = result.objects.find(
      (object) => object.kind === "Deployment" && object.metadata.name === "front-web",
    );
    expect(deployment?.spec).toMatchObject({ replicas: 3 });
    expect(result.objects.some((object) => object.kind === "HorizontalPodAutoscaler")).toBe(false);
    // The ServiceMonitor renders only where its API exists.
    expect(result.objects.filter((object) => object.kind === "ServiceMonitor")).toHaveLength(1);
    const without = await render(fixtureRepo, "charts/web", { valueFiles: ["values-prod.yaml"] });
    expect(without.objects.some((object) => object.kind === "ServiceMonitor")).toBe(false);
  });

  it("renders the kustomization like kubectl kustomize", async () => {
    const result = await render(fixtureRepo, "kustomize");
    const reference = await byHand(toolPath("kubectl"), ["kustomize", join(fixtureRepo, "kustomize")]);
    expect(result.sourceType).toBe("kustomize");
    expect(result.objects.map((object) => object.kind).sort()).toEqual(
      reference.map((object) => object.kind).sort(),
    );
    expect(sortObjects(withoutFerry(result.objects))).toEqual(sortObjects(withNamespace(reference, "shop")));
  });

  it("refuses the kustomization file as a plain manifest, naming it", async () => {
    await expect(render(fixtureRepo, "kustomize", { type: "plain" })).rejects.toThrow(
      "kustomize/kustomization.yaml: Kustomization has no metadata.name",
    );
  });
});
