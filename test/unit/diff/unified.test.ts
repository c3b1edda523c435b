import { describe, expect, it } from "vitest";
import { maskOne, maskPair } from "../../../src/diff/mask.ts";
import { normalize } from "../../../src/diff/normalize.ts";
import { unifiedDiff } from "../../../src/diff/unified.ts";
import { configMap } from "./objects.ts";

function keys(changed: Record<string, string>): Record<string, string> {
  const data: Record<string, string> = {};
  for (let i = 10; i < 110; i++) data[`key-${i}`] = `value-${i}`;
  return { ...data, ...changed };
}

describe("unifiedDiff", () => {
  it("keeps 3 lines of context and folds long unchanged runs between hunks", () => {
    const masked = maskPair(
      normalize(configMap(keys({}))),
      normalize(configMap(keys({ "key-20": "new", "key-90": "new" }))),
    );
    const diff = unifiedDiff(masked.before, masked.after);
    const hunks = diff.text.split("\n").filter((line) => line.startsWith("@@"));
    expect(hunks).toHaveLength(2);
    expect(diff.text).toContain("-  key-20: value-20\n+  key-20: new");
    expect(diff.text).toContain("   key-17: value-17\n");
    expect(diff.text).not.toContain("key-16:");
    expect(diff.text).not.toContain("key-50:");
    expect(diff).toMatchObject({ added: 2, removed: 2 });
  });

  it("shows a new object as all-added lines from an empty range", () => {
    const diff = unifiedDiff(undefined, maskOne(normalize(configMap({ a: "b" }))));
    expect(diff.text.split("\n")[0]).toMatch(/^@@ -0,0 \+1,\d+ @@$/);
    expect(diff.text).toContain("+  a: b");
    expect(diff.removed).toBe(0);
  });

  it("is empty for equal objects", () => {
    const masked = maskPair(configMap({ a: "b" }), configMap({ a: "b" }));
    expect(unifiedDiff(masked.before, masked.after)).toEqual({ text: "", added: 0, removed: 0 });
  });
});
