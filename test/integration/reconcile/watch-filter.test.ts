// The watcher ignores updates that cannot be drift: a status-only write (what controllers do
// all day) triggers nothing, while a spec change of another app's object in the same watch
// stream does.
import { afterEach, describe, expect, it } from "vitest";
import type { Watcher } from "../../../src/reconcile/watcher.ts";
import { send } from "../../../src/kube/request.ts";
import { testKubeClient, testKubeConfig, useNamespace } from "../../support/cluster.ts";
import {
  appConfig,
  applyAsFerry,
  deployment,
  eventually,
  harness,
  mergePatch,
  testWatcher,
  type Harness,
} from "./helpers.ts";

const ns = useNamespace("filter");
let h: Harness | undefined;
let watcher: Watcher | undefined;

afterEach(async () => {
  await watcher?.stop();
  await h?.close();
  [h, watcher] = [undefined, undefined];
});

const named = (namespace: string, name: string) => {
  const object = deployment(namespace);
  return { ...object, metadata: { ...object.metadata, name } };
};

describe("watch event filter", () => {
  it("triggers on a spec change, not on a status-only update", async () => {
    const apps = [appConfig("quiet", ns.name), appConfig("noisy", ns.name)];
    h = harness(apps);
    await applyAsFerry(h, "quiet", "c".repeat(40), [named(ns.name, "quiet")]);
    await applyAsFerry(h, "noisy", "c".repeat(40), [named(ns.name, "noisy")]);
    // The deployment controller annotates new Deployments once (a real metadata change);
    // let that happen before watching so that only the test's writes follow.
    const kube = testKubeClient();
    for (const name of ["quiet", "noisy"]) {
      await eventually(`the revision annotation on ${name}`, async () => {
        const live = await kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns.name, name });
        return live?.metadata.annotations?.["deployment.kubernetes.io/revision"] !== undefined;
      });
    }
    const triggers: string[] = [];
    const started = testWatcher(h, { debounceMs: 50, onTrigger: (app) => triggers.push(app) });
    watcher = started;
    await eventually("the watcher to list", () => Promise.resolve(started.isWatching()));
    triggers.length = 0;

    const status = await send(testKubeConfig(), {
      method: "PATCH",
      path: `/apis/apps/v1/namespaces/${ns.name}/deployments/quiet/status`,
      contentType: "application/merge-patch+json",
      body: { status: { observedGeneration: 99 } },
    });
    expect(status.status).toBe(200);
    await mergePatch(
      `/apis/apps/v1/namespaces/${ns.name}/deployments/noisy`,
      { spec: { replicas: 3 } },
      "kubectl-edit",
    );
    await eventually("the noisy app's trigger", () => Promise.resolve(triggers.includes("noisy")));
    expect(triggers).toEqual(["noisy"]);
  });
});
