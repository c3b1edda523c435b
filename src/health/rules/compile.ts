// A health rule: CEL expressions over one kind's objects, as in Flux's healthCheckExprs, plus
// `suspended` and a message template. The same code compiles Ferry's built-in operator rules
// (rules/operators.ts) and the user's rules from ferry.yaml (`health.rules`).
//
// Judgement, first match wins:
//   suspended true                                  -> Suspended
//   status.observedGeneration, or a condition's,
//     < metadata.generation                         -> Progressing (status describes an older spec)
//   inProgress true                                 -> Progressing
//   failed true                                     -> Degraded
//   current true                                    -> Healthy
//   otherwise                                       -> Progressing (the operator has not said yet)
// An expression that reads a field the object does not have is false. Any other evaluation
// error makes the object Unknown (with the error), unless an expression before it matched.
import { z } from "zod";
import { AppError } from "../../errors.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { Health, HealthCheck, HealthStatus } from "../types.ts";
import { celContext, compileCel, runCel, type CelContext, type CelProgram } from "./cel.ts";

const expression = z.string().min(1).max(4_000);

export const healthRuleSchema = z.strictObject({
  /** `group/version` or `group/*`; the core group is `v1`. A leading `*.` in the group matches its subdomains. */
  apiVersion: z.string().min(1).max(253),
  /** A kind, or `*` for every kind of the group. */
  kind: z.string().min(1).max(63),
  suspended: expression.optional(),
  inProgress: expression.optional(),
  failed: expression.optional(),
  current: expression.optional(),
  /** Text with `{{ <CEL expression> }}` parts, e.g. `{{ conditions.Ready.message }}`. */
  message: z.string().max(4_000).optional(),
});
export type HealthRule = z.infer<typeof healthRuleSchema>;

const predicates = [
  ["suspended", "Suspended"],
  ["inProgress", "Progressing"],
  ["failed", "Degraded"],
  ["current", "Healthy"],
] as const satisfies ReadonlyArray<readonly [keyof HealthRule, HealthStatus]>;

type Template = Array<string | CelProgram>;

/** A message template split into literal text and compiled `{{ }}` expressions. */
function compileTemplate(template: string, problems: string[], path: string): Template {
  const parts: Template = [];
  const pattern = /\{\{(.*?)\}\}/gs;
  let last = 0;
  for (const match of template.matchAll(pattern)) {
    parts.push(template.slice(last, match.index));
    const compiled = compileCel(match[1] ?? "", "any");
    if (compiled.ok) parts.push(compiled.program);
    else problems.push(`${path}.message: {{${match[1] ?? ""}}}: ${compiled.error}`);
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return parts;
}

function renderTemplate(template: Template, context: CelContext): string {
  return template
    .map((part) => {
      if (typeof part === "string") return part;
      const result = runCel(part, context);
      if (!result.ok) return "";
      const { value } = result;
      if (typeof value === "string") return value;
      if (typeof value === "bigint" || typeof value === "number" || typeof value === "boolean")
        return String(value);
      return value === null || value === undefined ? "" : (JSON.stringify(value, bigints) ?? "");
    })
    .join("")
    .trim();
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? Number(value) : value;
}

/** What the operator says, when no template is given: the first explanation it wrote. */
function defaultMessage(context: CelContext): string {
  const conditions = context.conditions as Record<string, Record<string, unknown> | undefined>;
  const status = context.status as Record<string, unknown>;
  for (const type of ["Stalled", "LastAsyncOperation", "Ready", "Synced", "Available", "Healthy"]) {
    const condition = conditions[type];
    const text = condition?.message ?? condition?.reason;
    const good = (type === "Stalled") === (condition?.status === "False");
    if (condition && !good && typeof text === "string" && text !== "") return text;
  }
  return typeof status.message === "string" ? status.message : "";
}

/**
 * The generation the status does not describe yet, if any: from status.observedGeneration, or
 * (cert-manager, Gateway API and others with metav1.Condition) the observedGeneration of a
 * condition — without it a Certificate still Ready from its previous spec read Healthy the
 * moment a sync changed it, before its operator had looked.
 */
function observedGenerationLag(context: CelContext): bigint | undefined {
  const generation = (context.metadata as Record<string, unknown>).generation;
  if (typeof generation !== "bigint") return undefined;
  const raw = (context.status as Record<string, unknown>).observedGeneration;
  const observed = typeof raw === "string" && /^\d+$/.test(raw) ? BigInt(raw) : raw;
  if (typeof observed === "bigint" && observed < generation) return generation;
  const conditions = Object.values(context.conditions as Record<string, Record<string, unknown>>);
  const stale = conditions.some(
    (condition) =>
      typeof condition.observedGeneration === "bigint" && condition.observedGeneration < generation,
  );
  return stale ? generation : undefined;
}

/**
 * Compiles one rule into a health check. Every broken expression is reported with its path
 * (e.g. `health.rules[2].failed: Unknown variable: stauts`) as one CONFIG_INVALID error.
 */
export function compileRule(rule: HealthRule, path: string): HealthCheck {
  const problems: string[] = [];
  const compiled: Array<[keyof HealthRule, HealthStatus, CelProgram]> = [];
  for (const [field, status] of predicates) {
    const source = rule[field];
    if (source === undefined) continue;
    const result = compileCel(source, "bool");
    if (result.ok) compiled.push([field, status, result.program]);
    else problems.push(`${path}.${field}: ${result.error}`);
  }
  const template = rule.message === undefined ? undefined : compileTemplate(rule.message, problems, path);
  if (problems.length > 0) {
    throw new AppError("CONFIG_INVALID", problems.join("; "), { details: { problems } });
  }
  const suspendedFirst = compiled.filter(([field]) => field === "suspended");
  const rest = compiled.filter(([field]) => field !== "suspended");

  return (object: KubeObject): Health => {
    const context = celContext(object);
    const name = `${object.kind} ${object.metadata.name}`;
    const say = (status: HealthStatus): Health => {
      const text = template ? renderTemplate(template, context) : defaultMessage(context);
      return status === "Healthy" && text === ""
        ? { status }
        : { status, message: text ? `${name}: ${text}` : name };
    };
    const errors: string[] = [];
    const judge = (programs: typeof compiled): HealthStatus | undefined => {
      for (const [field, status, program] of programs) {
        const result = runCel(program, context);
        if (result.ok && result.value === true) return status;
        if (!result.ok && !result.missing) errors.push(`${field}: ${result.error}`);
      }
      return undefined;
    };
    const suspended = judge(suspendedFirst);
    if (suspended) return say(suspended);
    const pending = observedGenerationLag(context);
    if (pending !== undefined) {
      return { status: "Progressing", message: `${name}: waiting for generation ${pending} to be observed` };
    }
    const status = judge(rest);
    if (status) return say(status);
    if (errors.length > 0) return { status: "Unknown", message: `${name}: rule error: ${errors.join("; ")}` };
    const waiting = say("Progressing");
    return waiting.message === name
      ? { status: "Progressing", message: `${name}: waiting for the operator to report` }
      : waiting;
  };
}
