// Flattens ferry.yaml's zod schema into documented fields (`apps[].sync.interval`), through
// zod's own JSON Schema export, so the configuration reference can be checked against it.
import { z } from "zod";
import { configSchema } from "../../../src/config/schema.ts";

export interface SchemaField {
  path: string;
  /** JSON Schema type(s), or "" when zod could not represent it (e.g. transforms). */
  type: string;
  hasDefault: boolean;
  default?: unknown;
}

interface Node {
  type?: string | string[];
  properties?: Record<string, Node>;
  items?: Node;
  oneOf?: Node[];
  anyOf?: Node[];
  default?: unknown;
  additionalProperties?: unknown;
}

function walk(node: Node, path: string, out: Map<string, SchemaField>): void {
  const variants = node.oneOf ?? node.anyOf;
  if (variants && !node.properties) {
    for (const variant of variants)
      walk({ ...variant, ...(node.default === undefined ? {} : { default: node.default }) }, path, out);
    return;
  }
  if (path && !out.has(path)) {
    out.set(path, {
      path,
      type: Array.isArray(node.type) ? node.type.join("|") : (node.type ?? ""),
      hasDefault: node.default !== undefined,
      ...(node.default === undefined ? {} : { default: node.default }),
    });
  }
  for (const [key, child] of Object.entries(node.properties ?? {}))
    walk(child, path ? `${path}.${key}` : key, out);
  if (node.items && node.items.properties) walk(node.items, `${path}[]`, out);
  else if (node.items?.oneOf ?? node.items?.anyOf) walk(node.items, `${path}[]`, out);
}

export function schemaFields(): SchemaField[] {
  const json = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" }) as Node;
  const out = new Map<string, SchemaField>();
  walk(json, "", out);
  // An array of objects is documented by its elements (`apps[].name`), not as `apps[]` itself.
  return [...out.values()].filter((field) => !field.path.endsWith("[]"));
}
