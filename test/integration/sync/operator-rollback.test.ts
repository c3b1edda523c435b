// A custom resource whose operator reports failure steers a sync as a Deployment does: the
// revision that broke it is rolled back to the last healthy one and marked bad, and the outcome
// says which object failed and why. The test acts as cert-manager: it installs the Certificate
// CRD (group cert-manager.io, status subresource, as cert-manager ships it) and writes each
// Certificate's status through the status subresource, Ready=True for a known issuer and the
// failure cert-manager documents for an issuance that failed otherwise.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/kube/types.ts";
import { send } from "../../../src/kube/request.ts";
import { isBadRevision, readHistory } from "../../../src/sync/history.ts";
import { waitServed } from "../../../src/sync/served.ts";
import { waitHealthy } from "../../../src/sync/wait.ts";
import { testKubeClient, testKubeConfig, useNamespace } from "../../support/cluster.ts";
import { configMap, makeApp, sha, sync, useRedis } from "./helpers.ts";

const certificateCrd: KubeObject = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "certificates.cert-manager.io" },
  spec: {
    group: "cert-manager.io",
    scope: "Namespaced",
    names: {
      plural: "certificates",
      singular: "certificate",
      kind: "Certificate",
      listKind: "CertificateList",
    },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
      },
    ],
  },
};

function certificate(issuer: string): KubeObject {
  return {
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: { name: "web-tls" },
    spec: {
      secretName: "web-tls",
      dnsNames: ["web.example.com"],
      issuerRef: { name: issuer, kind: "Issuer" },
    },
  };
}

const time = "2026-01-01T00:00:00Z";
/** What cert-manager writes for a spec: issued with the `ca` issuer, failed with any other. */
function statusFor(generation: number, issuer: string): Record<string, unknown> {
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: time,
    observedGeneration: generation,
  });
  if (issuer === "ca") {
    return {
      conditions: [condition("Ready", "True", "Ready", "Certificate is up to date and has not expired")],
    };
  }
  return {
    conditions: [
      condition("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist"),
      condition(
        "Issuing",
        "False",
        "Failed",
        `The certificate request has failed to complete and will be retried: issuer ${issuer} not found`,
      ),
    ],
    failedIssuanceAttempts: 1,
  };
}

/** The test's cert-manager: answers every generation of the Certificate until stopped. */
function actAsCertManager(namespace: string): { stop: () => Promise<void> } {
  const kube = testKubeClient();
  const controller = new AbortController();
  const path = `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/web-tls/status`;
  const loop = (async () => {
    let answered = 0;
    while (!controller.signal.aborted) {
      const live = await kube.get({
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        namespace,
        name: "web-tls",
      });
      const generation = live?.metadata.generation;
      if (typeof generation === "number" && generation !== answered) {
        const issuer = (live?.spec as { issuerRef: { name: string } }).issuerRef.name;
        const res = await send(testKubeConfig(), {
          method: "PATCH",
          path,
          contentType: "application/merge-patch+json",
          body: { status: statusFor(generation, issuer) },
          what: "write the Certificate status",
        });
        if (res.status !== 200) throw new Error(`status write answered ${res.status}`);
        answered = generation;
      }
      // A controller's reaction time; the sync under test polls health on its own schedule.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return {
    stop: async () => {
      controller.abort();
      await loop;
    },
  };
}

describe("a custom resource's operator reports failure", () => {
  const ns = useNamespace("operator");
  const redis = useRedis();
  let operator: { stop: () => Promise<void> } | undefined;
  afterEach(async () => {
    await operator?.stop();
    operator = undefined;
  });

  beforeAll(async () => {
    // Installed once and left in place: cluster-scoped, and other runs may use it at the same time.
    const kube = testKubeClient();
    await kube.apply(certificateCrd, { fieldManager: "ferry-test-cert-manager" });
    const ref = {
      apiVersion: certificateCrd.apiVersion,
      kind: certificateCrd.kind,
      name: certificateCrd.metadata.name,
    };
    await waitHealthy(kube, [ref], { deadline: Date.now() + 30_000, timeoutMs: 30_000, what: "crd" });
    await waitServed(kube, [certificateCrd], { deadline: Date.now() + 30_000, timeoutMs: 30_000 });
  });

  it("rolls back a Certificate cert-manager fails to issue, as for a Deployment, and says why", async () => {
    operator = actAsCertManager(ns.name);
    const app = makeApp(ns.name, { healthTimeout: "60s" });
    const good = [configMap("settings"), certificate("ca")];
    expect(await sync(redis.client, app, good, sha(1))).toMatchObject({
      result: "succeeded",
      health: { status: "Healthy" },
    });

    const bad = [configMap("settings", { key: "new" }), certificate("ca-missing")];
    const outcome = await sync(redis.client, app, bad, sha(2));
    expect(outcome).toMatchObject({
      result: "rolled-back",
      rolledBackTo: sha(1),
      failedStep: "health",
      code: "SYNC_FAILED",
      health: { status: "Healthy" },
    });
    expect(outcome.message).toBe(
      "rolled back to 0000000: wave 0: Certificate web-tls: Issuing certificate as Secret does not exist",
    );

    const kube = testKubeClient();
    const live = await kube.get({
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      namespace: ns.name,
      name: "web-tls",
    });
    expect((live?.spec as { issuerRef: { name: string } }).issuerRef.name).toBe("ca");
    const settings = await kube.get({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: ns.name,
      name: "settings",
    });
    expect(settings?.data).toEqual({ key: "settings" });
    expect(await isBadRevision(redis.client, redis.prefix, app.name, sha(2))).toBe(true);
    const history = await readHistory(redis.client, redis.prefix, app.name);
    // Newest first.
    expect(history.map((entry) => entry.result)).toEqual(["rolled-back", "succeeded"]);
    expect(history[0]).toMatchObject({ revision: sha(2), rolledBackTo: sha(1), health: "Healthy" });
  });
});
