// getLiveMany (src/kube/objects.ts) reads a kind in one namespace with one LIST once LIST_FROM of
// the refs share it, and with a GET each otherwise, against the real apiserver: the answers are
// the same either way (absent objects undefined, other namespaces' objects not mixed in), and
// the request counts show which way was taken.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import type { ObjectRef } from "../../../src/kube/types.ts";
import { registerCallCounts } from "../../../src/observability/call-counts.ts";
import { getLiveMany, LIST_FROM, refKey } from "../../../src/kube/objects.ts";
import { testKubeClient, useNamespace } from "../../support/cluster.ts";

const registry = new Registry();
registerCallCounts(registry);

async function gets(): Promise<number> {
  const metric = await registry.getSingleMetric("ferry_kube_requests_total")?.get();
  return metric?.values.find((value) => value.labels.verb === "GET")?.value ?? 0;
}

const configMapRef = (namespace: string, name: string): ObjectRef => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  name,
  namespace,
});

describe("getLiveMany", () => {
  const ns = useNamespace("live-reads");
  const other = useNamespace("live-reads-other");

  it("lists a kind once per namespace for a group, and GETs the rest", async () => {
    const kube = testKubeClient();
    const names = Array.from({ length: LIST_FROM + 1 }, (_, i) => `config-${i}`);
    for (const name of [...names.slice(1), "elsewhere"])
      await kube.apply({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace: name === "elsewhere" ? other.name : ns.name },
        data: { name },
      });
    await kube.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace: ns.name },
      spec: { ports: [{ port: 80 }] },
    });
    const group = names.map((name) => configMapRef(ns.name, name));
    const single = [
      configMapRef(other.name, "elsewhere"),
      { apiVersion: "v1", kind: "Service", name: "web", namespace: ns.name },
    ];
    const refs = [...group, ...single];

    const before = await gets();
    const live = await getLiveMany(kube, refs);
    // One LIST for the ConfigMaps of ns, one GET each for the other namespace's and the Service.
    expect(await gets()).toBe(before + 1 + single.length);
    expect([...live.keys()]).toEqual(refs.map(refKey));
    expect(live.get(refKey(configMapRef(ns.name, "config-0")))).toBeUndefined();
    for (const name of names.slice(1))
      expect(live.get(refKey(configMapRef(ns.name, name)))?.data).toEqual({ name });
    expect(live.get(refKey(configMapRef(other.name, "elsewhere")))?.data).toEqual({ name: "elsewhere" });
    expect(live.get(refKey(single[1] as ObjectRef))?.kind).toBe("Service");

    // Below LIST_FROM refs of a kind in a namespace, each is a GET.
    const few = group.slice(0, LIST_FROM - 1);
    const beforeFew = await gets();
    const fewLive = await getLiveMany(kube, few);
    expect(await gets()).toBe(beforeFew + few.length);
    expect(fewLive.get(refKey(few[1] as ObjectRef))?.data).toEqual({ name: "config-1" });
  });
});
