// docs/security.md's threat tables name, for each attack, the test that proves the defence. A
// renamed or deleted test must not leave a row citing something that no longer exists: every
// cited test file exists, and every quoted test name is a test of that file ("…" ends a
// quoted prefix).
import { globSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installRoot } from "../../../src/runtime/install.ts";

interface Citation {
  path: string;
  names: string[];
}

/** Each `test/…` path in a table row, with the quoted names that follow it up to the next path. */
export function citations(markdown: string): Citation[] {
  const rows = markdown.split("\n").filter((line) => line.startsWith("| ") && line.includes("`test/"));
  return rows.flatMap((row) => {
    const parts = row.split(/`(test\/[^`]+)`/);
    const found: Citation[] = [];
    for (let i = 1; i < parts.length; i += 2) {
      const after = (parts[i + 1] ?? "").split("|")[0] ?? "";
      const names = [...after.matchAll(/"([^"]+)"/g)].map((match) => match[1] ?? "");
      found.push({ path: parts[i] ?? "", names });
    }
    return found;
  });
}

function testTitles(source: string): string[] {
  return [...source.matchAll(/\b(?:it|test|describe)\(\s*(["'`])((?:(?!\1).)+)\1/g)].map(
    (match) => match[2] ?? "",
  );
}

describe("docs/security.md", () => {
  const root = installRoot;
  const cited = citations(readFileSync(join(root, "docs/security.md"), "utf8"));

  it("cites tests in its threat tables", () => {
    expect(cited.length).toBeGreaterThan(20);
  });

  it("cites only test files that exist and test names those files have", () => {
    const problems = cited.flatMap(({ path, names }) => {
      const files = globSync(path, { cwd: root });
      if (files.length === 0) return [`${path}: no such file`];
      const titles = files.flatMap((file) => testTitles(readFileSync(join(root, file), "utf8")));
      return names
        .filter((name) => {
          const prefix = name.replace(/…$/, "");
          return !titles.some((title) => (name.endsWith("…") ? title.startsWith(prefix) : title === name));
        })
        .map((name) => `${path}: no test "${name}"`);
    });
    expect(problems).toEqual([]);
  });
});
