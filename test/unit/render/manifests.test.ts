import { describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import { parseManifests } from "../../../src/render/manifests.ts";
import { sourceOf } from "../../../src/render/source.ts";

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

describe("parseManifests", () => {
  it("records each object's file and its document's first line when given the file's path", () => {
    const text = ["# settings", cm("a"), `\n# b follows\n${cm("b")}`, "", cm("c")].join("---\n");
    const objects = parseManifests(text, "apps/x.yaml", { path: "apps/x.yaml" });
    const lines = text.split("\n");
    expect(objects.map((object) => sourceOf(object))).toEqual([
      { path: "apps/x.yaml", line: lines.indexOf("  name: a") - 2 },
      { path: "apps/x.yaml", line: lines.indexOf("  name: b") - 2 },
      { path: "apps/x.yaml", line: lines.indexOf("  name: c") - 2 },
    ]);
    expect(parseManifests(text, "apps/x.yaml").some((object) => sourceOf(object))).toBe(false);
  });

  it("reads several documents, drops empty ones and flattens List kinds", () => {
    const text = [
      cm("a"),
      "",
      "# only a comment",
      `apiVersion: v1\nkind: List\nitems:\n  - ${cm("b").trimEnd().replaceAll("\n", "\n    ")}\n  - ${cm("c").trimEnd().replaceAll("\n", "\n    ")}\n`,
      `apiVersion: v1\nkind: ConfigMapList\nitems: []\n`,
    ].join("---\n");
    expect(parseManifests(text, "x.yaml").map((object) => object.metadata.name)).toEqual(["a", "b", "c"]);
  });

  it("reads JSON and YAML merge keys", () => {
    expect(
      parseManifests(JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" } }), "s.json"),
    ).toHaveLength(1);
    const merged = parseManifests(
      `base: &b {x: 1}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  <<: *b\n`,
      "m.yaml",
    );
    expect(merged[0]?.data).toEqual({ x: 1 });
  });

  it("names the file and line of invalid YAML", () => {
    const error = (() => {
      try {
        parseManifests(
          `${cm("a")}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: [b\n`,
          "apps/web/bad.yaml",
        );
      } catch (caught) {
        return caught;
      }
    })();
    expect(isAppError(error, "MANIFEST_INVALID")).toBe(true);
    expect((error as Error).message).toMatch(/^apps\/web\/bad\.yaml:\d+: invalid YAML/);
    expect((error as Error).message).toMatch(/:(8|9):/);
  });

  it("refuses objects without apiVersion, kind or metadata.name, naming the file", () => {
    expect(() => parseManifests("kind: ConfigMap\nmetadata: {name: a}\n", "a.yaml")).toThrow(
      /a\.yaml: ConfigMap has no apiVersion/,
    );
    expect(() => parseManifests("apiVersion: v1\nmetadata: {name: a}\n", "a.yaml")).toThrow(
      /a\.yaml: has no kind/,
    );
    expect(() =>
      parseManifests(`${cm("a")}---\napiVersion: v1\nkind: Service\nmetadata: {}\n`, "b.yaml"),
    ).toThrow(/b\.yaml \(document 2\): Service has no metadata\.name/);
    expect(() => parseManifests("- 1\n- 2\n", "list.yaml")).toThrow(/list\.yaml: is not a mapping/);
  });
});
