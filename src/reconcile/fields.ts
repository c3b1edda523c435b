// Field-level differences between two normalized objects, as paths a person can read
// (`spec.template.spec.containers[name=web].image`) rather than a text diff, so that each
// finding can be matched with the field manager that owns it.
import { isDeepStrictEqual } from "node:util";
import type { FieldChange, PathStep } from "./types.ts";

/** Findings per object beyond this are summarized: a rewritten object is not 500 lines. */
export const MAX_CHANGES = 20;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function nameOf(item: unknown): string | undefined {
  return isRecord(item) && typeof item.name === "string" ? item.name : undefined;
}

/** Lists of named items (containers, env, ports, volumes) are matched by name, not position. */
function allNamed(items: unknown[]): boolean {
  return items.every((item) => nameOf(item) !== undefined);
}

export function fieldChanges(desired: unknown, live: unknown, path: PathStep[] = []): FieldChange[] {
  const out: FieldChange[] = [];
  walk(desired, live, path, out);
  return out;
}

function walk(desired: unknown, live: unknown, path: PathStep[], out: FieldChange[]): void {
  if (isDeepStrictEqual(desired, live)) return;
  if (isRecord(desired) && isRecord(live)) {
    const keys = new Set([...Object.keys(desired), ...Object.keys(live)]);
    for (const key of [...keys].sort()) walk(desired[key], live[key], [...path, key], out);
    return;
  }
  if (Array.isArray(desired) && Array.isArray(live)) {
    walkList(desired, live, path, out);
    return;
  }
  out.push({ path, desired, live });
}

function walkList(desired: unknown[], live: unknown[], path: PathStep[], out: FieldChange[]): void {
  if (allNamed(desired) && allNamed(live)) {
    const liveByName = new Map(live.map((item, index) => [nameOf(item), { item, index }]));
    desired.forEach((item, index) => {
      const name = nameOf(item);
      const match = liveByName.get(name);
      liveByName.delete(name);
      const step = { index: match?.index ?? index, ...(name === undefined ? {} : { name }) };
      walk(item, match?.item, [...path, step], out);
    });
    for (const [name, { item, index }] of liveByName) {
      out.push({
        path: [...path, { index, ...(name === undefined ? {} : { name }) }],
        desired: undefined,
        live: item,
      });
    }
    return;
  }
  if (desired.length !== live.length) {
    out.push({ path, desired, live });
    return;
  }
  desired.forEach((item, index) => walk(item, live[index], [...path, { index }], out));
}

export function formatPath(path: readonly PathStep[]): string {
  let text = "";
  for (const step of path) {
    if (typeof step === "string") text += text === "" ? step : `.${step}`;
    else text += step.name === undefined ? `[${step.index}]` : `[name=${step.name}]`;
  }
  return text === "" ? "(object)" : text;
}
