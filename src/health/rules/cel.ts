// CEL for health rules, through @marcbachmann/cel-js (zero dependencies, a type checker that
// finds unknown variables and type errors before anything runs, parse once and evaluate many
// times). Chosen over @bufbuild/cel (conformance-tested, but brings protobuf-es along, more
// than a rule engine over JSON needs) and cel-js 0.8 (a Chevrotain parser as dependency, and
// about ten times slower by @marcbachmann/cel-js's own comparison).
//
// An expression sees the object as Flux's healthCheckExprs do — its top-level fields as
// variables (apiVersion, kind, metadata, spec, status; the last three `{}` when absent) — plus
// `object` (the whole object) and `conditions` (status.conditions keyed by type, each with
// status, reason and message strings, "" when the operator left them out; so
// `"Ready" in conditions && conditions.Ready.status == "True"`). Integral JSON numbers are CEL ints, so
// `status.readyReplicas == spec.replicas` and `metadata.generation + 1` work as written.
import { Environment, type ParseResult } from "@marcbachmann/cel-js";
import type { KubeObject } from "../../kube/types.ts";

export const celVariables = [
  "object",
  "apiVersion",
  "kind",
  "metadata",
  "spec",
  "status",
  "conditions",
] as const;

const environment = (() => {
  const env = new Environment({
    homogeneousAggregateLiterals: false,
    limits: {
      maxAstNodes: 2_000,
      maxDepth: 64,
      maxListElements: 200,
      maxMapEntries: 200,
      maxCallArguments: 16,
    },
  });
  for (const name of celVariables) env.registerVariable(name, "dyn");
  return env;
})();

export type CelProgram = ParseResult;

/** A compiled expression, or the reason it does not compile (syntax, unknown name, types). */
export function compileCel(
  expression: string,
  expect: "bool" | "any",
): { ok: true; program: CelProgram } | { ok: false; error: string } {
  let program: CelProgram;
  try {
    program = environment.parse(expression);
  } catch (error) {
    return { ok: false, error: summary(error) };
  }
  const checked = program.check();
  if (!checked.valid) return { ok: false, error: summary(checked.error) };
  if (expect === "bool" && checked.type !== "bool" && checked.type !== "dyn") {
    return { ok: false, error: `must be a bool expression, not ${checked.type ?? "unknown"}` };
  }
  return { ok: true, program };
}

function summary(error: unknown): string {
  if (error && typeof error === "object" && "summary" in error && typeof error.summary === "string") {
    return error.summary;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Bounds on what is copied into an evaluation: nothing in a status needs more. The count of
 * values matters for YAML read by `ferry health`, whose aliases can make one node the child of
 * many (a "billion laughs" document is small as text and endless as a tree). metadata, spec
 * and status each have a count of their own, so that a huge spec cannot crowd out the status.
 */
const MAX_DEPTH = 32;
const MAX_ITEMS = 1_000;
const MAX_VALUES = 20_000;

/** JSON -> CEL values: integral numbers become ints (bigint), the rest is copied, bounded. */
function toCel(value: unknown, depth: number, budget: { nodes: number }): unknown {
  if (budget.nodes <= 0) return null;
  budget.nodes -= 1;
  if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return null;
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map((item) => toCel(item, depth + 1, budget));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value).slice(0, MAX_ITEMS)) {
    if (item !== undefined) copy[key] = toCel(item, depth + 1, budget);
  }
  return copy;
}

function asMap(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export type CelContext = Record<(typeof celVariables)[number], unknown>;

/** The variables of one evaluation; built once per object and shared by its expressions. */
export function celContext(object: KubeObject): CelContext {
  // managedFields can be most of an object and no rule reads them.
  const { managedFields: _ignored, ...metadata } = asMap(object.metadata);
  const others = { nodes: MAX_VALUES };
  const whole: Record<string, unknown> = {};
  for (const [field, value] of Object.entries({ ...object, metadata }).slice(0, MAX_ITEMS)) {
    const budget =
      field === "metadata" || field === "spec" || field === "status" ? { nodes: MAX_VALUES } : others;
    if (value !== undefined) whole[field] = toCel(value, 1, budget);
  }
  const status = asMap(whole.status);
  const conditions: Record<string, unknown> = {};
  if (Array.isArray(status.conditions)) {
    for (const item of status.conditions) {
      const condition = asMap(item);
      const type = condition.type;
      if (typeof type !== "string" || Object.hasOwn(conditions, type)) continue;
      conditions[type] = { status: "", reason: "", message: "", ...condition };
    }
  }
  return {
    object: whole,
    apiVersion: whole.apiVersion,
    kind: whole.kind,
    metadata: asMap(whole.metadata),
    spec: asMap(whole.spec),
    status,
    conditions,
  };
}

export type CelOutcome = { ok: true; value: unknown } | { ok: false; missing: boolean; error: string };

/**
 * Runs a program. A missing field or list index is reported as `missing` (a rule reads it as
 * "not so": most fields only appear once the operator wrote them); anything else is an error.
 */
export function runCel(program: CelProgram, context: CelContext): CelOutcome {
  try {
    return { ok: true, value: program(context) as unknown };
  } catch (error) {
    const code = error && typeof error === "object" && "code" in error ? error.code : undefined;
    return { ok: false, missing: code === "no_such_key", error: summary(error) };
  }
}
