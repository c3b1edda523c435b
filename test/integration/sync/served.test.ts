// The race behind crds-hooks' occasional failure, made deterministic on the real API server: a
// CRD can be Established while discovery does not list its kind yet (the discovery controller
// catches up asynchronously). A CRD that is Established with its version not served stands for
// that moment for as long as the test needs; waitServed must hold the sync until the kind is
// listed, instead of letting the custom resource's validation fail with "not served".
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import type { KubeObject, ObjectRef } from "../../../src/kube/types.ts";
import { kindNotServed } from "../../../src/kube/objects.ts";
import { servedKinds, waitServed } from "../../../src/sync/served.ts";
import { waitHealthy } from "../../../src/sync/wait.ts";
import { testKubeClient } from "../../support/cluster.ts";

function crd(group: string, served: boolean): KubeObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `gadgets.${group}` },
    spec: {
      group,
      scope: "Namespaced",
      names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
      versions: [
        {
          name: "v1",
          served,
          storage: true,
          schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        },
      ],
    },
  };
}

describe("waitServed", () => {
  const cleanups: ObjectRef[] = [];
  afterEach(async () => {
    const kube = testKubeClient();
    for (const ref of cleanups.splice(0)) await kube.delete(ref);
  });

  /** A CRD that is Established but whose only version is not served: discovery lacks the kind. */
  async function establishedNotServed(): Promise<string> {
    const kube = testKubeClient();
    const group = `s${randomBytes(4).toString("hex")}.example.com`;
    const ref = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      name: `gadgets.${group}`,
    };
    cleanups.push(ref);
    await kube.apply(crd(group, false));
    await waitHealthy(kube, [ref], { deadline: Date.now() + 30_000, timeoutMs: 30_000, what: "crd" });
    const lookup = await kube.resource(`${group}/v1`, "Gadget").catch((error: unknown) => error);
    expect(kindNotServed(lookup)).toBe(true);
    return group;
  }

  it("holds until discovery lists the kind the CRD of the sync serves", async () => {
    const group = await establishedNotServed();
    const kube = testKubeClient();
    let resolved = false;
    const waiting = waitServed(kube, [crd(group, true)], {
      deadline: Date.now() + 30_000,
      timeoutMs: 30_000,
    }).then(() => {
      resolved = true;
    });
    // Discovery answered "not served" above and only the apply below changes that.
    expect(resolved).toBe(false);
    await testKubeClient().apply(crd(group, true));
    await waiting;
    expect(resolved).toBe(true);
    expect((await kube.resource(`${group}/v1`, "Gadget")).plural).toBe("gadgets");
  });

  it("fails at the deadline naming the kinds still not served", async () => {
    const group = await establishedNotServed();
    const error = await waitServed(testKubeClient(), [crd(group, true)], {
      deadline: Date.now() + 300,
      timeoutMs: 300,
    }).catch((thrown: unknown) => thrown);
    expect(isAppError(error, "HEALTH_TIMEOUT")).toBe(true);
    expect((error as Error).message).toBe(
      `crds: established but not served after 0.3 s: Gadget (${group}/v1)`,
    );
  });
});

describe("servedKinds", () => {
  it("lists the served versions of a CRD only", () => {
    const object = crd("a.example.com", true);
    const spec = object.spec as { versions: object[] };
    spec.versions.push({ name: "v2", served: false, storage: false });
    spec.versions.push({ name: "v3", served: true, storage: false });
    expect(servedKinds(object)).toEqual([
      { apiVersion: "a.example.com/v1", kind: "Gadget" },
      { apiVersion: "a.example.com/v3", kind: "Gadget" },
    ]);
  });

  it("has nothing to wait for on a CRD of an unexpected shape", () => {
    expect(servedKinds({ ...crd("a.example.com", true), spec: { group: 3 } })).toEqual([]);
  });
});
