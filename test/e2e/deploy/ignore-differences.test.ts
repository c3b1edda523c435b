// ignoreDifferences holds on apply, not only in diffs: a field another manager owns (replicas
// scaled by `kubectl scale`) survives a deploy of a new image and a self-heal of an edited
// annotation, because Ferry does not send ignored fields for objects that exist (and so gives
// up its ownership of them); a new object is created with them.
import { describe, expect, it } from "vitest";
import { FIELD_MANAGER, type KubeObject } from "../../../src/kube/types.ts";
import { send } from "../../../src/kube/request.ts";
import { processReconcileJob } from "../../../src/reconcile/process.ts";
import { managedFieldsOf, ownsPath } from "../../../src/reconcile/managed-fields.ts";
import { reconcileDeps } from "../../../workers/reconcile.ts";
import { testKubeConfig } from "../../support/cluster.ts";
import { deployFirst, deployment, pushAndWait, setup, waitAvailable, type Setup } from "./fixtures.ts";

function manifest(image: string): string {
  return deployment(image, { annotations: { team: "shop" }, replicas: 2 });
}

async function live(s: Setup): Promise<KubeObject> {
  const object = await s.kube.get({
    apiVersion: "apps/v1",
    kind: "Deployment",
    namespace: s.namespace,
    name: "web",
  });
  if (!object) throw new Error("Deployment web is missing");
  return object;
}

const replicasOf = (object: KubeObject) => (object.spec as { replicas?: number }).replicas;
const imageOf = (object: KubeObject) =>
  (object.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]
    ?.image;

/** What Ferry's field manager owns of `spec.replicas` in the live object. */
function ferryOwnsReplicas(object: KubeObject): boolean {
  return managedFieldsOf(object)
    .filter((entry) => entry.manager === FIELD_MANAGER)
    .some((entry) => ownsPath(entry.fieldsV1 ?? {}, ["spec", "replicas"], object));
}

async function patch(path: string, body: unknown, fieldManager: string): Promise<void> {
  const res = await send(testKubeConfig(), {
    method: "PATCH",
    path,
    query: { fieldManager },
    contentType: "application/merge-patch+json",
    body,
  });
  if (res.status !== 200) throw new Error(`patch ${path}: HTTP ${res.status}`);
}

describe("ignoreDifferences on apply and self-heal", () => {
  it("keeps replicas another manager scaled through a deploy and a self-heal", async () => {
    const s = await setup(
      "github",
      { "apps/web/deployment.yaml": manifest("nginx:1.27") },
      { selfHeal: true },
      {},
      { ignoreDifferences: [{ kind: "Deployment", group: "apps", jsonPointers: ["/spec/replicas"] }] },
    );
    const first = await deployFirst(s);
    // A new object is created with the ignored field.
    expect(replicasOf(await live(s))).toBe(2);

    const path = `/apis/apps/v1/namespaces/${s.namespace}/deployments/web`;
    await patch(`${path}/scale`, { spec: { replicas: 5 } }, "kubectl");
    expect(replicasOf(await live(s))).toBe(5);

    await s.repo.write({ "apps/web/deployment.yaml": manifest("nginx:1.28") });
    const sha = await s.repo.commit("1.28");
    expect(await pushAndWait(s, first, sha)).toMatchObject([{ result: "succeeded", revision: sha }]);
    await waitAvailable(s.kube, s.namespace, "nginx:1.28");
    const deployed = await live(s);
    expect({ image: imageOf(deployed), replicas: replicasOf(deployed) }).toEqual({
      image: "nginx:1.28",
      replicas: 5,
    });
    expect(ferryOwnsReplicas(deployed)).toBe(false);

    // kubectl edit of an annotation Git sets: healed; the replicas stay with their manager.
    await patch(path, { metadata: { annotations: { team: "someone-else" } } }, "kubectl-edit");
    const outcome = await processReconcileJob(
      { app: s.app, trigger: "watch" },
      reconcileDeps(s.harness.runtime),
    );
    expect(outcome).toMatchObject({ heal: "Healed", drifted: 1 });
    const healed = await live(s);
    expect(healed.metadata.annotations?.team).toBe("shop");
    expect({ image: imageOf(healed), replicas: replicasOf(healed) }).toEqual({
      image: "nginx:1.28",
      replicas: 5,
    });
    expect(ferryOwnsReplicas(healed)).toBe(false);
  });
});
