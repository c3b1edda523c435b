import { CoreV1Api } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { testClientNodeConfig, useNamespace } from "../../support/cluster.ts";

describe("test control plane harness", () => {
  const ns = useNamespace("harness");

  it("has a Ready node and gives each test its own namespace", async () => {
    const core = testClientNodeConfig().makeApiClient(CoreV1Api);
    const nodes = await core.listNode();
    const ready = nodes.items.flatMap((n) => n.status?.conditions ?? []).filter((c) => c.type === "Ready");
    expect(ready.map((c) => c.status)).toEqual(["True"]);
    const namespace = await core.readNamespace({ name: ns.name });
    expect(namespace.status?.phase).toBe("Active");
  });
});
