// Self-heal follows apply's ownership rule (issue 12 item 4): an object whose tracking
// annotation now names another app is never taken back by a heal unless the app's project
// allows adoption, while the app's own drifted objects are still corrected in the same run.
import { afterEach, describe, expect, it } from "vitest";
import { sendOk } from "../../../src/kube/request.ts";
import { TRACKING_ANNOTATION, type KubeObject } from "../../../src/kube/types.ts";
import { readCorrections } from "../../../src/reconcile/heal.ts";
import { processReconcileJob } from "../../../src/reconcile/process.ts";
import { readAppStatus } from "../../../src/reconcile/status.ts";
import { testKubeConfig, useNamespace } from "../../support/cluster.ts";
import {
  appConfig,
  applyAsFerry,
  configMap,
  configMapPath,
  deployment,
  deploymentPath,
  harness,
  liveReplicas,
  mergePatch,
  type Harness,
} from "./helpers.ts";

const ns = useNamespace("heal-owner");
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function liveSettings(namespace: string): Promise<KubeObject> {
  return (await sendOk(testKubeConfig(), { method: "GET", path: configMapPath(namespace) })) as KubeObject;
}

/** The app's Deployment drifts (its own), and another app claims its ConfigMap. */
async function driftAndClaim(allowAdoption: boolean): Promise<Harness> {
  const app = appConfig("shop", ns.name, { sync: { selfHeal: true } });
  const harnessed = harness([app], { allowAdoption: () => allowAdoption });
  h = harnessed;
  await applyAsFerry(harnessed, app.name, "e".repeat(40), [deployment(ns.name, 2), configMap(ns.name)]);
  await mergePatch(deploymentPath(ns.name), { spec: { replicas: 5 } }, "kubectl-edit");
  await mergePatch(
    configMapPath(ns.name),
    {
      metadata: { annotations: { [TRACKING_ANNOTATION]: `billing:/ConfigMap:${ns.name}/settings` } },
      data: { color: "red" },
    },
    "billing-deployer",
  );
  const outcome = await processReconcileJob({ app: app.name, trigger: "watch" }, harnessed.deps);
  expect(outcome).toMatchObject({ app: "shop", drifted: 2, heal: "Healed" });
  return harnessed;
}

describe("self-heal and ownership", () => {
  it("never takes over an object whose tracking annotation names another app", async () => {
    const harnessed = await driftAndClaim(false);
    // The app's own Deployment is corrected...
    expect(await liveReplicas(ns.name)).toBe(2);
    // ...the ConfigMap billing now claims is left as billing has it.
    const settings = (await liveSettings(ns.name)) as KubeObject & { data: Record<string, string> };
    expect(settings.metadata.annotations?.[TRACKING_ANNOTATION]).toBe(
      `billing:/ConfigMap:${ns.name}/settings`,
    );
    expect(settings.data.color).toBe("red");
    const corrections = await readCorrections(harnessed.redis, harnessed.prefix, "shop");
    expect(corrections).toHaveLength(1);
    expect(corrections[0]?.objects.map((item) => item.key)).toEqual([`apps/Deployment/${ns.name}/web`]);
    // The refused object stays reported as drift.
    const status = await readAppStatus(harnessed.redis, "shop", harnessed.prefix);
    expect(status?.status).toBe("OutOfSync");
    expect(status?.drifted.map((item) => item.key)).toEqual([`/ConfigMap/${ns.name}/settings`]);
  });

  it("takes it back when the app's project allows adoption", async () => {
    const harnessed = await driftAndClaim(true);
    expect(await liveReplicas(ns.name)).toBe(2);
    const settings = (await liveSettings(ns.name)) as KubeObject & { data: Record<string, string> };
    expect(settings.metadata.annotations?.[TRACKING_ANNOTATION]).toBe(`shop:/ConfigMap:${ns.name}/settings`);
    expect(settings.data.color).toBe("blue");
    const corrections = await readCorrections(harnessed.redis, harnessed.prefix, "shop");
    expect(corrections[0]?.objects.map((item) => item.key).sort()).toEqual([
      `/ConfigMap/${ns.name}/settings`,
      `apps/Deployment/${ns.name}/web`,
    ]);
    expect((await readAppStatus(harnessed.redis, "shop", harnessed.prefix))?.status).toBe("Synced");
  });
});
