import { describe, expect, it } from "vitest";
import { compareLive, compareRenders, renderFailure, RENDER_ONLY_NOTE } from "../../../src/diff/compare.ts";
import { AppError } from "../../../src/errors.ts";
import {
  asLive,
  configMap,
  deployment,
  imageAndServiceInput,
  newImage,
  oldImage,
  podinfoRef,
  rejectedDeploymentInput,
  secret,
  service,
} from "./objects.ts";

describe("compareLive", () => {
  it("counts an added Service and a changed Deployment image, with the image line in the diff", async () => {
    const result = await compareLive(imageAndServiceInput());
    expect(result.counts).toEqual({ added: 1, changed: 1, removed: 0, unchanged: 0, errors: 0 });
    expect(result.mode).toBe("live");
    expect(result.changes.map((c) => [c.kind, c.action])).toEqual([
      ["Service", "add"],
      ["Deployment", "change"],
    ]);
    const deploymentDiff = result.changes[1]?.diff ?? "";
    expect(deploymentDiff).toContain(`-        - image: ${oldImage}`);
    expect(deploymentDiff).toContain(`+        - image: ${newImage}`);
    expect(deploymentDiff).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/);
    expect(result.changes[1]?.stats).toEqual({ added: 1, removed: 1 });
  });

  it("never reports server noise (revision, uid, managedFields, status) as a change", async () => {
    const desired = deployment(oldImage);
    const result = await compareLive({
      ...podinfoRef,
      objects: [{ desired, live: asLive(desired, "1"), predicted: asLive(desired, "7") }],
      inventory: [],
    });
    expect(result.changes).toHaveLength(1);
    expect(result.changes[0]).toMatchObject({ action: "unchanged", diff: "" });
  });

  it("applies ignoreDifferences to both sides", async () => {
    const live = asLive(deployment(oldImage));
    const predicted = asLive(deployment(oldImage, {}));
    (predicted.spec as { replicas: number }).replicas = 5;
    const input = {
      ...podinfoRef,
      objects: [{ desired: deployment(oldImage), live, predicted }],
      inventory: [],
    };
    expect((await compareLive(input)).counts.changed).toBe(1);
    const ignored = await compareLive(input, {
      ignoreDifferences: [{ kind: "Deployment", jsonPointers: ["/spec/replicas"] }],
    });
    expect(ignored.counts).toMatchObject({ changed: 0, unchanged: 1 });
    expect(ignored.ignoreDifferences).toHaveLength(1);
  });

  it("turns a dry-run error into a blocking finding with the API's message", async () => {
    const message =
      'Deployment.apps "podinfo" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}}: field is immutable';
    const result = await compareLive(rejectedDeploymentInput(message));
    expect(result.counts.errors).toBe(1);
    expect(result.changes[0]).toMatchObject({
      action: "error",
      error: { message, reason: "Invalid", code: 422, blocking: true },
    });
  });

  it("scrubs secret values the API echoes back in a dry-run error", async () => {
    const desired = secret({ password: "plain-text-pw" });
    const result = await compareLive({
      ...podinfoRef,
      objects: [{ desired, dryRunError: { message: 'admission webhook denied "plain-text-pw"' } }],
      inventory: [],
    });
    expect(result.changes[0]?.error?.message).toBe('admission webhook denied "********"');
  });

  it("lists inventory objects that left Git as removals, matching namespace-less renders", async () => {
    const desired = service();
    delete desired.metadata.namespace;
    const result = await compareLive({
      ...podinfoRef,
      objects: [{ desired, live: asLive(service()), predicted: asLive(service()) }],
      inventory: [asLive(service()), asLive(configMap({ a: "b" }, "old-settings"))],
    });
    expect(result.changes.map((c) => [c.kind, c.name, c.action])).toEqual([
      ["ConfigMap", "old-settings", "remove"],
      ["Service", "podinfo", "unchanged"],
    ]);
    expect(result.changes[0]?.diff).toContain("-  a: b");
    expect(result.counts.removed).toBe(1);
  });

  it("shows Secret key names and byte lengths, never the value or its base64", async () => {
    const result = await compareLive({
      ...podinfoRef,
      objects: [
        {
          desired: secret({ password: "new-password-42" }),
          live: asLive(secret({ password: "old-password", user: "admin-user" })),
          predicted: asLive(secret({ password: "new-password-42" })),
        },
      ],
      inventory: [],
    });
    const text = JSON.stringify(result);
    for (const value of ["new-password-42", "old-password", "admin-user"]) {
      expect(text).not.toContain(value);
      expect(text).not.toContain(Buffer.from(value).toString("base64"));
    }
    expect(result.changes[0]?.diff).toContain("+  password: ++++++++ (changed, 12 → 15 bytes)");
    expect(result.changes[0]?.diff).toContain("-  user: ++++++++ (removed, 10 bytes)");
  });

  it("marks a change as drift when the head render equals the base render", async () => {
    const desired = deployment(oldImage);
    const live = asLive(deployment("hand-edited:1"));
    const result = await compareLive({
      ...podinfoRef,
      objects: [{ desired, base: deployment(oldImage), live, predicted: asLive(desired) }],
      inventory: [],
    });
    expect(result.changes[0]).toMatchObject({ action: "change", drift: true });
  });

  it("refuses an object with neither a dry-run answer nor an error", async () => {
    await expect(
      compareLive({ ...podinfoRef, objects: [{ desired: service() }], inventory: [] }),
    ).rejects.toThrow(AppError);
  });

  it("is deterministic: the same input in another order gives identical output", async () => {
    const objects = [
      { desired: service("b"), predicted: service("b") },
      { desired: deployment(newImage), live: asLive(deployment(oldImage)), predicted: deployment(newImage) },
      { desired: service("a"), predicted: service("a") },
      { desired: secret({ k: "value-1" }), predicted: secret({ k: "value-1" }) },
    ];
    const first = await compareLive({ ...podinfoRef, objects, inventory: [] });
    const second = await compareLive({ ...podinfoRef, objects: [...objects].reverse(), inventory: [] });
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    expect(first.changes.map((c) => `${c.kind}/${c.name}`)).toEqual([
      "Secret/db",
      "Service/a",
      "Service/b",
      "Deployment/podinfo",
    ]);
  });
});

describe("compareRenders", () => {
  it("compares base and head renders without the cluster", async () => {
    const result = await compareRenders({
      ...podinfoRef,
      base: [deployment(oldImage), configMap({ a: "1" })],
      head: [deployment(newImage), service()],
    });
    expect(result.mode).toBe("render");
    expect(result.counts).toEqual({ added: 1, changed: 1, removed: 1, unchanged: 0, errors: 0 });
    expect(result.notes).toContain(RENDER_ONLY_NOTE);
    expect(result.changes.find((c) => c.kind === "Deployment")?.diff).toContain(
      `+        - image: ${newImage}`,
    );
  });
});

describe("renderFailure", () => {
  it("makes the whole app a blocking finding with a scrubbed message", () => {
    const result = renderFailure({
      ...podinfoRef,
      sourceType: "unknown",
      mode: "live",
      failure: { message: "helm: template failed near token=abcdefgh12345678" },
    });
    expect(result.counts.errors).toBe(1);
    expect(result.error).toEqual({ message: "helm: template failed near token=********", blocking: true });
  });
});
