import { describe, expect, inject, it } from "vitest";
import { kubeClientFor } from "../../../src/kube/client.ts";
import { loadKubeConfig } from "../../../src/kube/kubeconfig.ts";

describe("kubeconfig per cluster of ferry.yaml", () => {
  it("loads a kubeconfig file with a named context and talks to the cluster", async () => {
    const cluster = {
      name: "local",
      kubeconfig: inject("kubeconfig"),
      context: "ferry-local",
      inCluster: false,
    };
    const info = await kubeClientFor(cluster).resource("apps/v1", "Deployment");
    expect(info).toMatchObject({ plural: "deployments", namespaced: true });
  });

  it("fails with CONFIG_INVALID for a missing file or an unknown context", () => {
    expect(() =>
      loadKubeConfig({ name: "a", kubeconfig: "/nonexistent/kubeconfig", inCluster: false }),
    ).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
    expect(() =>
      loadKubeConfig({ name: "b", kubeconfig: inject("kubeconfig"), context: "prod", inCluster: false }),
    ).toThrow('cluster "b": context "prod" not found');
  });
});
