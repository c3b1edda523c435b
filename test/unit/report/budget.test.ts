import { describe, expect, it } from "vitest";
import { compareLive } from "../../../src/diff/compare.ts";
import type { AppDiff } from "../../../src/diff/types.ts";
import { previewComment } from "../../../src/report/preview.ts";
import { configMap, podinfoRef } from "../diff/objects.ts";
import { checkMarkdown, expectWellFormed } from "./check-markdown.ts";
import { manyResourcesDiff, reportBase } from "./fixtures.ts";

/** An app whose single ConfigMap holds one very long line and some backtick runs. */
async function awkwardApp(name: string): Promise<AppDiff> {
  const data = { long: "x".repeat(30_000), fence: "````` inside", short: "ok" };
  return await compareLive({
    ...podinfoRef,
    app: name,
    objects: [{ desired: configMap(data), predicted: configMap(data) }],
    inventory: [],
  });
}

const apps = await Promise.all([
  ...Array.from({ length: 12 }, (_, i) =>
    manyResourcesDiff(40 + i * 17, `app-${String(i).padStart(2, "0")}`),
  ),
  awkwardApp("app-awkward"),
]);

describe("comment size budget", () => {
  it.each([6_000, 9_000, 15_000, 27_000, 40_000, 60_000, 120_000])(
    "fits %i characters with everything closed",
    (budget) => {
      const body = previewComment({
        ...reportBase,
        apps,
        budget,
        previewUrl: "https://ferry.example.com/previews/x",
      });
      expect(body.length).toBeLessThanOrEqual(budget);
      expect(expectWellFormed(checkMarkdown(body))).toBeUndefined();
      // Header and table are always there, whatever the budget.
      expect(body).toContain("| app-awkward | prod / podinfo | plain | +1 ~0 −0 | ✅ dry-run |");
      expect(body).toContain("| app-11 | prod / podinfo | plain | +227 ~0 −0 | ✅ dry-run |");
      expect(body).toContain("[full preview](https://ferry.example.com/previews/x)");
    },
  );
});

describe("the markdown checker used above", () => {
  it("notices unclosed fences and unbalanced details", () => {
    expect(expectWellFormed(checkMarkdown("````diff\n+a\n```\n"))).toBe("a fence is not closed");
    expect(expectWellFormed(checkMarkdown("<details>\n<summary>x</summary>\n```\n</details>\n```\n"))).toBe(
      "details opened 1, closed 0",
    );
    expect(
      expectWellFormed(checkMarkdown("<details>\n\n```diff\n+ ```\n```\n\n</details>\n")),
    ).toBeUndefined();
  });
});
