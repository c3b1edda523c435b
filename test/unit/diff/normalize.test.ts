import { describe, expect, it } from "vitest";
import { normalize } from "../../../src/diff/normalize.ts";
import { parsePointer, removeAtPointer } from "../../../src/diff/pointer.ts";
import { asLive, deployment } from "./objects.ts";

describe("normalize", () => {
  it("removes server-managed noise and Ferry's own tracking marks", () => {
    const desired = deployment("ghcr.io/stefanprodan/podinfo:6.7.0");
    const live = asLive(desired, "3");
    expect(normalize(live)).toEqual(normalize(desired));
    const text = JSON.stringify(normalize(live));
    for (const noise of [
      "managedFields",
      "resourceVersion",
      "uid",
      "creationTimestamp",
      "status",
      "generation",
    ]) {
      expect(text).not.toContain(noise);
    }
    expect(text).not.toContain("ferry.dev/");
    expect(text).not.toContain("last-applied-configuration");
  });

  it("keeps a pending deletionTimestamp and user annotations", () => {
    const object = deployment("a:1");
    object.metadata.deletionTimestamp = "2025-02-02T00:00:00Z";
    object.metadata.annotations = { team: "web", "deployment.kubernetes.io/revision": "4" };
    const result = normalize(object);
    expect(result.metadata.deletionTimestamp).toBe("2025-02-02T00:00:00Z");
    expect(result.metadata.annotations).toEqual({ team: "web" });
  });

  it("does not mutate its input and sorts keys with apiVersion, kind, metadata first", () => {
    const object = asLive(deployment("a:1"));
    const before = structuredClone(object);
    const result = normalize(object);
    expect(object).toEqual(before);
    expect(Object.keys(result)).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    expect(Object.keys(result.metadata)).toEqual(["labels", "name", "namespace"]);
  });

  it("applies ignoreDifferences matching kind, group, name and namespace", () => {
    const object = deployment("a:1");
    const replicasGone = normalize(object, [{ kind: "Deployment", jsonPointers: ["/spec/replicas"] }]);
    expect(replicasGone.spec).not.toHaveProperty("replicas");
    const otherName = normalize(object, [
      { kind: "Deployment", name: "other", jsonPointers: ["/spec/replicas"] },
    ]);
    expect(otherName.spec).toHaveProperty("replicas", 2);
    const otherGroup = normalize(object, [
      { kind: "Deployment", group: "", jsonPointers: ["/spec/replicas"] },
    ]);
    expect(otherGroup.spec).toHaveProperty("replicas", 2);
    const rightPlace = normalize(object, [
      {
        kind: "Deployment",
        group: "apps",
        name: "podinfo",
        namespace: "podinfo",
        jsonPointers: ["/spec/replicas"],
      },
    ]);
    expect(rightPlace.spec).not.toHaveProperty("replicas");
  });

  it("resolves ~0 and ~1 escapes and array indexes in pointers", () => {
    expect(parsePointer("/metadata/annotations/example.com~1a~0b")).toEqual([
      "metadata",
      "annotations",
      "example.com/a~b",
    ]);
    expect(parsePointer("/~01")).toEqual(["~1"]);
    const document = {
      metadata: { annotations: { "example.com/a~b": "x", keep: "y" } },
      list: [{ a: 1 }, { a: 2 }],
    };
    removeAtPointer(document, "/metadata/annotations/example.com~1a~0b");
    removeAtPointer(document, "/list/0/a");
    removeAtPointer(document, "/list/7/a");
    removeAtPointer(document, "/missing/deep/path");
    expect(document).toEqual({ metadata: { annotations: { keep: "y" } }, list: [{}, { a: 2 }] });
  });

  it("removes a pointed container field from both sides so it never shows as a change", () => {
    const rules = [{ kind: "Deployment", jsonPointers: ["/spec/template/spec/containers/0/image"] }];
    expect(normalize(deployment("a:1"), rules)).toEqual(normalize(deployment("a:2"), rules));
  });
});
