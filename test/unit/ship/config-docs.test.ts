// docs/configuration.md must list every field of ferry.yaml's zod schema, no field that is not
// in it, and each field's real default: a new option without documentation fails here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { parseDuration } from "../../../src/config/duration.ts";
import { configSchema } from "../../../src/config/schema.ts";
import { installRoot } from "../../../src/runtime/install.ts";
import { schemaFields } from "./schema-fields.ts";

interface DocRow {
  path: string;
  defaultCell: string;
}

function docRows(markdown: string): DocRow[] {
  return markdown
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => {
      // Cells are split on pipes that are not escaped (`a` \| `b` in the Type column).
      const cells = line.split(/(?<!\\)\|/).map((cell) => cell.trim());
      return { path: (cells[1] ?? "").replace(/^`|`$/g, ""), defaultCell: cells[3] ?? "" };
    })
    .filter((row) => /^[a-zA-Z]+(\[\])?(\.[a-zA-Z]+(\[\])?)*$/.test(row.path));
}

// One of everything, so that every default of every list element can be read back; `bare`
// leaves the nested list out so that the list's own default shows.
const bareApp = { name: "a", forge: "gh", repo: "o/r", destination: { cluster: "c", namespace: "n" } };
const bare = configSchema.parse({
  forges: [
    { name: "gh", type: "github" },
    { name: "gl", type: "gitlab" },
  ],
  clusters: [{ name: "c" }],
  apps: [bareApp],
});
const sample = configSchema.parse({
  forges: [
    { name: "gh", type: "github" },
    { name: "gl", type: "gitlab" },
    { name: "ga", type: "github", app: { id: 1, privateKey: "pem" } },
  ],
  clusters: [{ name: "c" }],
  projects: [{ name: "p", destinations: [{ cluster: "c", namespace: "n" }] }],
  apps: [{ ...bareApp, ignoreDifferences: [{ kind: "K", jsonPointers: ["/x"] }] }],
  registries: [{ name: "r", type: "distribution", url: "https://registry.example.com" }],
  images: [
    { name: "i", registry: "r", repository: "acme/web", policy: { semver: "^1" }, apps: ["a"] },
    { name: "j", registry: "r", repository: "acme/web", policy: { pattern: "^v[0-9]+$" }, apps: ["a"] },
  ],
  ui: {
    oidc: {
      issuer: "https://idp.example",
      clientId: "ferry",
      clientSecret: "s",
      redirectUrl: "https://ferry.example/ui/auth/callback",
      sessionSecret: "x".repeat(32),
    },
    roles: [{ project: "*" }],
  },
});

/** Values at `path` across the sample (a list field yields one value per element). */
function valuesAt(path: string, root: unknown = bare): unknown[] {
  let current: unknown[] = [root];
  for (const part of path.split(".")) {
    const list = part.endsWith("[]");
    const key = list ? part.slice(0, -2) : part;
    current = current.flatMap((value) => {
      const next = (value as Record<string, unknown> | undefined)?.[key];
      if (!list) return [next];
      return Array.isArray(next) ? (next as unknown[]) : [];
    });
  }
  return current;
}

function documentedDefault(cell: string): unknown {
  const text = cell.replace(/^`|`$/g, "");
  const ms = parseDuration(text);
  if (ms !== undefined && /[a-z]$/.test(text)) return ms;
  return yaml.load(text);
}

const doc = readFileSync(join(installRoot, "docs", "configuration.md"), "utf8");
const rows = docRows(doc);
const fields = schemaFields();

describe("docs/configuration.md", () => {
  it("reads the schema and the document (guards against a walker that finds nothing)", () => {
    expect(fields.map((f) => f.path)).toEqual(
      expect.arrayContaining(["redis.url", "apps[].sync.healthTimeout"]),
    );
    expect(rows.length).toBeGreaterThan(40);
  });

  it("documents every field of the schema", () => {
    const documented = new Set(rows.map((r) => r.path));
    const missing = fields.map((f) => f.path).filter((path) => !documented.has(path));
    expect(missing, "fields missing from docs/configuration.md").toEqual([]);
  });

  it("documents no field that the schema does not have, and none twice", () => {
    const known = new Set(fields.map((f) => f.path));
    expect(rows.map((r) => r.path).filter((path) => !known.has(path))).toEqual([]);
    expect(rows.length).toBe(new Set(rows.map((r) => r.path)).size);
  });

  it("states each field's real default", () => {
    for (const row of rows) {
      if (row.defaultCell === "see below") {
        expect(["object", "array"], `${row.path} has a scalar default`).toContain(
          fields.find((f) => f.path === row.path)?.type,
        );
        continue;
      }
      const found = valuesAt(row.path);
      const values = found.some((v) => v !== undefined) ? found : valuesAt(row.path, sample);
      if (row.defaultCell === "required") continue;
      if (row.defaultCell === "—") {
        expect(
          (found.length > 0 ? found : values).every((v) => v === undefined),
          `${row.path} has a default`,
        ).toBe(true);
        continue;
      }
      // The field exists on the element types it applies to; `forges[].url` only on gitlab.
      const present = values.filter((v) => v !== undefined);
      expect(present.length, `${row.path} resolved in the sample`).toBeGreaterThan(0);
      for (const value of present) expect(value, row.path).toEqual(documentedDefault(row.defaultCell));
    }
  });
});
