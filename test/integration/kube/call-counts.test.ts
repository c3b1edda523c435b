// ferry_kube_requests_total and ferry_tool_runs_total (src/observability/call-counts.ts) count
// what a worker really sent: API requests by verb against the real apiserver, and tool runs.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerCallCounts } from "../../../src/observability/call-counts.ts";
import { runTool } from "../../../src/render/exec.ts";
import { testKubeClient, useNamespace } from "../../support/cluster.ts";

async function counted(registry: Registry, name: string, label: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (
    metric?.values.find((value) => value.labels[Object.keys(value.labels)[0] ?? ""] === label)?.value ?? 0
  );
}

describe("call counts", () => {
  const ns = useNamespace("call-counts");

  it("counts each API request by verb and each tool run by tool", async () => {
    const registry = new Registry();
    registerCallCounts(registry);
    registerCallCounts(registry); // a second registration keeps the one metric
    const kube = testKubeClient();
    // The first call also reads discovery (counted too); the figures below start after it.
    await kube.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "counted", namespace: ns.name },
      data: { a: "1" },
    });

    const gets = await counted(registry, "ferry_kube_requests_total", "GET");
    const patches = await counted(registry, "ferry_kube_requests_total", "PATCH");
    const gits = await counted(registry, "ferry_tool_runs_total", "git");

    await kube.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "counted", namespace: ns.name },
      data: { a: "2" },
    });
    expect(
      await kube.get({ apiVersion: "v1", kind: "ConfigMap", name: "counted", namespace: ns.name }),
    ).toBeDefined();
    expect(
      await kube.get({ apiVersion: "v1", kind: "ConfigMap", name: "absent", namespace: ns.name }),
    ).toBeUndefined();
    await runTool("git", ["--version"], { what: "git --version", timeoutMs: 30_000, env: process.env });

    expect(await counted(registry, "ferry_kube_requests_total", "GET")).toBe(gets + 2);
    expect(await counted(registry, "ferry_kube_requests_total", "PATCH")).toBe(patches + 1);
    expect(await counted(registry, "ferry_tool_runs_total", "git")).toBe(gits + 1);
  });
});
