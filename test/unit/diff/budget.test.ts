// The line diff's budget and its worker thread: a diff past the budget becomes a count, a diff
// too big to run inline gives on the worker exactly what it gives inline.
import { afterAll, describe, expect, it } from "vitest";
import { compareRenders } from "../../../src/diff/compare.ts";
import { closeDiffPool, diffTexts, INLINE_DIFF_LINES } from "../../../src/diff/diff-pool.ts";
import { lineDiff } from "../../../src/diff/unified.ts";
import { configMap, podinfoRef } from "./objects.ts";

afterAll(async () => {
  await closeDiffPool();
});

const lines = (count: number, version: string) =>
  Array.from({ length: count }, (_, i) => `key-${i}: ${version}-${i}\n`).join("");

describe("line diff budget", () => {
  it("counts instead of diffing past the budget", () => {
    const diff = lineDiff(lines(300, "old"), lines(300, "new"), {
      maxLines: 10_000,
      maxChangedLines: 100,
      timeoutMs: 5_000,
    });
    expect(diff).toEqual({ text: "", added: 300, removed: 300, tooLarge: true });
  });

  it("gives the same hunks on the worker thread as inline", async () => {
    const count = INLINE_DIFF_LINES; // both sides together are over the inline limit
    const before = lines(count, "v");
    const after = before.replace("key-500: v-500\n", "key-500: changed\n");
    const onWorker = await diffTexts(before, after);
    expect(onWorker).toEqual(lineDiff(before, after));
    expect(onWorker).toMatchObject({ added: 1, removed: 1 });
    expect(onWorker.text).toContain("-key-500: v-500\n+key-500: changed");
  });

  it("summarizes a ConfigMap with 20,000 changed lines per side", async () => {
    const data = (version: string) =>
      Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key-${i}`, `${version}-${i}`]));
    const result = await compareRenders({
      ...podinfoRef,
      base: [configMap(data("old"), "big")],
      head: [configMap(data("new"), "big")],
    });
    const [change] = result.changes;
    expect(change).toMatchObject({
      kind: "ConfigMap",
      action: "change",
      diff: "",
      stats: { added: 20_000, removed: 20_000 },
      tooLarge: "ConfigMap big: 20,000 lines changed, too large to show",
    });
  });
});
