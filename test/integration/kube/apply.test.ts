// Server-side apply, field managers and error mapping of src/kube/client.ts against the real
// apiserver.
import { describe, expect, it } from "vitest";
import { isAppError, type AppError } from "../../../src/errors.ts";
import { createKubeClient } from "../../../src/kube/client.ts";
import type { KubeAccess } from "../../../src/kube/kubeconfig.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { freePort } from "../../support/ports.ts";
import { testKubeClient, useNamespace } from "../../support/cluster.ts";

const configMap = (namespace: string, data: Record<string, string>): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "settings", namespace, labels: { "ferry.dev/app": "demo" } },
  data,
});

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe("server-side apply", () => {
  const ns = useNamespace("apply");

  it("applies a ConfigMap as field manager ferry and returns the stored object", async () => {
    const kube = testKubeClient();
    const applied = await kube.apply(configMap(ns.name, { color: "blue" }));
    expect(applied.data).toEqual({ color: "blue" });
    const managers = (applied.metadata.managedFields as Array<{ manager: string; operation: string }>).map(
      (f) => `${f.manager}/${f.operation}`,
    );
    expect(managers).toEqual(["ferry/Apply"]);
    const live = await kube.get({
      apiVersion: "v1",
      kind: "ConfigMap",
      name: "settings",
      namespace: ns.name,
    });
    expect(live?.data).toEqual({ color: "blue" });
  });

  it("rejects another manager's conflicting apply with 409 unless forced", async () => {
    const kube = testKubeClient();
    await kube.apply(configMap(ns.name, { color: "blue" }));
    const error = await rejection(
      kube.apply(configMap(ns.name, { color: "red" }), { fieldManager: "someone-else" }),
    );
    expect(error.code).toBe("KUBE_REJECTED");
    expect(error.details).toMatchObject({ httpStatus: 409, reason: "Conflict", code: 409 });
    expect(String(error.details?.message)).toContain("conflict");

    const forced = await kube.apply(configMap(ns.name, { color: "red" }), {
      fieldManager: "someone-else",
      force: true,
    });
    expect(forced.data).toEqual({ color: "red" });
    const owners = (forced.metadata.managedFields as Array<{ manager: string }>).map((f) => f.manager);
    expect(owners).toContain("someone-else");
  });

  it("lists by label selector across kinds and deletes", async () => {
    const kube = testKubeClient();
    await kube.apply(configMap(ns.name, { a: "1" }));
    await kube.apply({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "token", namespace: ns.name, labels: { "ferry.dev/app": "demo" } },
      stringData: { token: "x" },
    });
    await kube.apply({ ...configMap(ns.name, {}), metadata: { name: "other", namespace: ns.name } });
    const found = await kube.list(
      [
        { apiVersion: "v1", kind: "ConfigMap" },
        { apiVersion: "v1", kind: "Secret" },
      ],
      { labelSelector: "ferry.dev/app=demo", namespace: ns.name },
    );
    expect(found.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "v1/ConfigMap/settings",
      "v1/Secret/token",
    ]);
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "settings", namespace: ns.name };
    expect(await kube.delete(ref)).toBe(true);
    expect(await kube.get(ref)).toBeUndefined();
    expect(await kube.delete(ref)).toBe(false);
  });

  it("maps discovery misses, bad objects and unreachable clusters to error codes", async () => {
    const kube = testKubeClient();
    const unknown = await rejection(kube.resource("example.com/v1", "Nothing"));
    expect(unknown.code).toBe("KUBE_REJECTED");
    expect(unknown.details).toMatchObject({ reason: "NotFound", kindNotFound: true });

    const invalid = await rejection(kube.apply({ ...configMap(ns.name, {}), data: { "bad key!": "x" } }));
    expect(invalid.code).toBe("KUBE_REJECTED");
    expect(invalid.details).toMatchObject({ httpStatus: 422, reason: "Invalid" });

    const kc: KubeAccess = {
      server: `https://127.0.0.1:${await freePort()}`,
      authorize: () => Promise.resolve({ tls: { rejectUnauthorized: false }, headers: {} }),
    };
    const down = await rejection(createKubeClient(kc).resource("v1", "ConfigMap"));
    expect(down.code).toBe("KUBE_UNAVAILABLE");
    expect(down.retryable).toBe(true);
  });
});
