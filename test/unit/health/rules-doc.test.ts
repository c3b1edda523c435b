// docs/health.md lists every built-in rule ("Every built-in rule"): the table must name exactly
// the group/kind keys the registry has, so that the two cannot drift apart.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultHealthChecks } from "../../../src/health/registry.ts";
import { installRoot } from "../../../src/runtime/install.ts";

/** The `group/kind` keys of the table under `## Every built-in rule` (core group `v1` is ""). */
function documentedKeys(): string[] {
  const doc = readFileSync(join(installRoot, "docs", "health.md"), "utf8");
  const start = doc.indexOf("## Every built-in rule");
  expect(start).toBeGreaterThan(-1);
  const end = doc.indexOf("\n## ", start + 1);
  const section = doc.slice(start, end === -1 ? undefined : end);
  const rows = section.split("\n").filter((line) => line.startsWith("| `"));
  return rows.flatMap((row) => {
    const [, groupCell = "", kindsCell = ""] = row.split("|");
    const group = /`([^`]+)`/.exec(groupCell)?.[1] ?? "";
    const kinds = [...kindsCell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? "");
    return kinds.map((kind) => `${group === "v1" ? "" : group}/${kind}`);
  });
}

describe("docs/health.md", () => {
  it("lists every built-in rule, and only those", () => {
    const documented = documentedKeys();
    const registered = [...defaultHealthChecks().keys()];
    expect(documented.length).toBeGreaterThan(100);
    expect(new Set(documented).size, "a key is listed twice").toBe(documented.length);
    expect([...documented].sort()).toEqual([...registered].sort());
  });
});
