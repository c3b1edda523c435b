// The podinfo fixtures render to exactly what helm and kustomize give by hand.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HELM_HOOK_ANNOTATION } from "../../../src/kube/types.ts";
import { toolPath } from "../../../src/render/binaries.ts";
import { byHand, podinfoFixture, render, sortObjects, withNamespace, withoutFerry } from "./helpers.ts";

const chart = join(podinfoFixture, "charts", "podinfo");

describe("podinfo fixtures", () => {
  it("renders the chart with values-prod.yaml like helm template: 6 objects, test Pods skipped", async () => {
    const result = await render(podinfoFixture, "charts/podinfo", { valueFiles: ["values-prod.yaml"] });
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
    expect(result.objects).toHaveLength(6);
    expect(sortObjects(withoutFerry(result.objects))).toEqual(sortObjects(withNamespace(reference, "shop")));
  });

  it("counts 9 objects with values-prod.yaml and 5 with defaults when tests are included, as SOURCES.md says", async () => {
    const prod = await byHand(toolPath("helm"), [
      "template",
      "web",
      chart,
      "-f",
      join(chart, "values-prod.yaml"),
    ]);
    const defaults = await byHand(toolPath("helm"), ["template", "web", chart]);
    expect(prod).toHaveLength(9);
    expect(defaults).toHaveLength(5);
    expect(
      prod.filter((object) => object.metadata.annotations?.[HELM_HOOK_ANNOTATION] === "test-success"),
    ).toHaveLength(3);
    const ours = await render(podinfoFixture, "charts/podinfo");
    expect(ours.objects.map((object) => object.kind).sort()).toEqual(["Deployment", "Service"]);
  });

  it("passes inline values, release name and kube version through", async () => {
    const result = await render(
      podinfoFixture,
      "charts/podinfo",
      {
        valueFiles: ["values-prod.yaml"],
        values: { replicaCount: 3, hpa: { enabled: false } },
        releaseName: "front",
      },
      { kubeVersion: "v1.33.0", apiVersions: ["monitoring.coreos.com/v1"] },
    );
    const deployment = result.objects.find(
      (object) => object.kind === "Deployment" && object.metadata.name === "front-podinfo",
    );
    expect(deployment?.spec).toMatchObject({ replicas: 3 });
    expect(result.objects.some((object) => object.kind === "HorizontalPodAutoscaler")).toBe(false);
  });

  it("renders the kustomization like kubectl kustomize", async () => {
    const result = await render(podinfoFixture, "kustomize");
    const reference = await byHand(toolPath("kubectl"), ["kustomize", join(podinfoFixture, "kustomize")]);
    expect(result.sourceType).toBe("kustomize");
    expect(result.objects.map((object) => object.kind).sort()).toEqual([
      "Deployment",
      "HorizontalPodAutoscaler",
      "Service",
    ]);
    expect(sortObjects(withoutFerry(result.objects))).toEqual(sortObjects(withNamespace(reference, "shop")));
  });

  it("refuses the kustomization file as a plain manifest, naming it", async () => {
    await expect(render(podinfoFixture, "kustomize", { type: "plain" })).rejects.toThrow(
      "kustomize/kustomization.yaml: Kustomization has no metadata.name",
    );
  });
});
