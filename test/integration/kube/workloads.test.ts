// Controllers, scheduler and kwok at work: Deployments become Available and roll, Jobs
// complete, deleting a Deployment garbage-collects what it owned.
import { describe, expect, it } from "vitest";
import type { KubeClient, KubeObject } from "../../../src/kube/types.ts";
import { NEVER_READY_LABEL, testKubeClient, useNamespace } from "../../support/cluster.ts";
import { waitFor } from "../../support/process.ts";

interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
}

function deployment(namespace: string, replicas: number, image = "nginx:1.27", labels = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web", ...labels } },
        spec: { containers: [{ name: "web", image }] },
      },
    },
  };
}

async function status(
  kube: KubeClient,
  namespace: string,
): Promise<DeploymentStatus & { generation: number }> {
  const live = await kube.get({ apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace });
  return { ...(live?.status as DeploymentStatus), generation: Number(live?.metadata.generation) };
}

async function waitRolledOut(kube: KubeClient, namespace: string, replicas: number): Promise<void> {
  let last: unknown;
  await waitFor(
    `deployment web with ${replicas} available replicas`,
    async () => {
      const s = await status(kube, namespace);
      last = s;
      return (
        s.observedGeneration === s.generation &&
        s.updatedReplicas === replicas &&
        s.availableReplicas === replicas &&
        s.replicas === replicas
      );
    },
    { timeoutMs: 60_000, intervalMs: 200, describe: () => JSON.stringify(last) },
  );
}

const podsOf = (kube: KubeClient, namespace: string) =>
  kube.list([{ apiVersion: "v1", kind: "Pod" }], { namespace });
const replicaSetsOf = (kube: KubeClient, namespace: string) =>
  kube.list([{ apiVersion: "apps/v1", kind: "ReplicaSet" }], { namespace });

describe("workloads on the simulated node", () => {
  const ns = useNamespace("work");

  it("makes a 2-replica Deployment Available, scales it to 3 and rolls a new template", async () => {
    const kube = testKubeClient();
    await kube.apply(deployment(ns.name, 2));
    await waitRolledOut(kube, ns.name, 2);

    await kube.apply(deployment(ns.name, 3));
    await waitRolledOut(kube, ns.name, 3);

    await kube.apply(deployment(ns.name, 3, "nginx:1.28"));
    await waitRolledOut(kube, ns.name, 3);
    const sets = await replicaSetsOf(kube, ns.name);
    const sizes = sets.map((rs) => (rs.spec as { replicas: number }).replicas).sort();
    expect(sizes).toEqual([0, 3]);
  });

  it("completes a Job", async () => {
    const kube = testKubeClient();
    await kube.apply({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "once", namespace: ns.name },
      spec: {
        template: { spec: { restartPolicy: "Never", containers: [{ name: "run", image: "busybox" }] } },
      },
    });
    await waitFor(
      "job once to complete",
      async () => {
        const job = await kube.get({ apiVersion: "batch/v1", kind: "Job", name: "once", namespace: ns.name });
        const conditions = (job?.status as { conditions?: Array<{ type: string; status: string }> })
          .conditions;
        return conditions?.some((c) => c.type === "Complete" && c.status === "True") ?? false;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });

  it("garbage-collects ReplicaSets and Pods when their Deployment is deleted", async () => {
    const kube = testKubeClient();
    await kube.apply(deployment(ns.name, 2));
    await waitRolledOut(kube, ns.name, 2);
    expect(await podsOf(kube, ns.name)).toHaveLength(2);

    await kube.delete({ apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: ns.name });
    await waitFor(
      "replica sets and pods to be collected",
      async () =>
        (await replicaSetsOf(kube, ns.name)).length === 0 && (await podsOf(kube, ns.name)).length === 0,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  });

  it(`keeps pods labelled ${NEVER_READY_LABEL} unready, so their Deployment never becomes Available`, async () => {
    const kube = testKubeClient();
    await kube.apply(deployment(ns.name, 1, "nginx:1.27", { [NEVER_READY_LABEL]: "true" }));
    // A pod that kwok did look at: scheduled, and still Pending and unready.
    await waitFor(
      "the pod to be scheduled",
      async () => {
        const pods = await podsOf(kube, ns.name);
        return pods.length === 1 && Boolean((pods[0]?.spec as { nodeName?: string }).nodeName);
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // A ready sibling in the same namespace proves kwok acted on pods meanwhile.
    await kube.apply({ ...deployment(ns.name, 1), metadata: { name: "ready", namespace: ns.name } });
    await waitFor(
      "the sibling pod to be ready",
      async () => {
        const pods = await podsOf(kube, ns.name);
        return pods.some(
          (p) => p.metadata.name.startsWith("ready-") && (p.status as { phase?: string }).phase === "Running",
        );
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    const s = await status(kube, ns.name);
    expect(s.availableReplicas ?? 0).toBe(0);
    const [pod] = (await podsOf(kube, ns.name)).filter((p) => p.metadata.name.startsWith("web-"));
    expect((pod?.status as { phase?: string }).phase).toBe("Pending");
  });
});
