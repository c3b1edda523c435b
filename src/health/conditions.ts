// Status fields come from the API server, so they are read through lenient zod schemas: a
// field of the wrong shape makes the object's health Unknown instead of throwing mid-sync.
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import type { Health } from "./types.ts";

// The optional fields of a condition fall back to absent rather than failing the whole list.
const optionalText = z.string().optional().catch(undefined);
export const conditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: optionalText,
  message: optionalText,
  lastTransitionTime: optionalText,
  /** metav1.Condition: the generation the condition was set for. */
  observedGeneration: z.number().optional().catch(undefined),
});
export type Condition = z.infer<typeof conditionSchema>;

export const conditionsSchema = z.array(conditionSchema).optional();

/** The first condition of a type, if the object reports it. */
export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/** `metadata.generation` (absent on kinds without a spec generation). */
export function generationOf(object: KubeObject): number | undefined {
  const generation = object.metadata.generation;
  return typeof generation === "number" ? generation : undefined;
}

/**
 * The controller has not seen the latest spec yet: every other status field describes the
 * previous spec, so nothing else can be judged.
 */
export function generationPending(object: KubeObject, observedGeneration: number | undefined): boolean {
  const generation = generationOf(object);
  return generation !== undefined && (observedGeneration === undefined || observedGeneration < generation);
}

/** Parses `object[field]` or returns the Unknown health that explains why it could not. */
export function parseField<T extends z.ZodType>(
  schema: T,
  object: KubeObject,
  field: "spec" | "status",
): { ok: true; value: z.infer<T> } | { ok: false; health: Health } {
  const result = schema.safeParse(object[field] ?? {});
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    health: { status: "Unknown", message: `${object.kind} ${object.metadata.name}: unreadable ${field}` },
  };
}

/** Both `spec` and `status` of a workload, or the Unknown health of the first unreadable one. */
export function parseSpecAndStatus<S extends z.ZodType, T extends z.ZodType>(
  specSchema: S,
  statusSchema: T,
  object: KubeObject,
): { ok: true; spec: z.infer<S>; status: z.infer<T> } | { ok: false; health: Health } {
  const spec = parseField(specSchema, object, "spec");
  if (!spec.ok) return spec;
  const status = parseField(statusSchema, object, "status");
  if (!status.ok) return status;
  return { ok: true, spec: spec.value, status: status.value };
}

/** Progressing while the controller has not observed the latest spec (see generationPending). */
export function awaitingNewSpec(
  object: KubeObject,
  observedGeneration: number | undefined,
): Health | undefined {
  if (!generationPending(object, observedGeneration)) return undefined;
  return { status: "Progressing", message: `${label(object)}: waiting for the new spec to be observed` };
}

/**
 * A workload whose controller has observed its latest spec, so its counts can be judged;
 * otherwise the health to report (Unknown when unreadable, else Progressing).
 */
export function observedWorkload<
  S extends z.ZodType,
  T extends z.ZodType<{ observedGeneration?: number | undefined }>,
>(
  specSchema: S,
  statusSchema: T,
  object: KubeObject,
): { ok: true; spec: z.infer<S>; status: z.infer<T> } | { ok: false; health: Health } {
  const parsed = parseSpecAndStatus(specSchema, statusSchema, object);
  if (!parsed.ok) return parsed;
  const pending = awaitingNewSpec(object, parsed.status.observedGeneration);
  return pending ? { ok: false, health: pending } : parsed;
}

/** Progressing while fewer than `wanted` of something are done: "`<name>: 2 of 3 pods ready`". */
export function shortOf(object: KubeObject, done: number, wanted: number, what: string): Health | undefined {
  if (done >= wanted) return undefined;
  return { status: "Progressing", message: `${label(object)}: ${done} of ${wanted} ${what}` };
}

/** `Kind name` as used in every message, so people can find the object. */
export function label(object: KubeObject): string {
  return `${object.kind} ${object.metadata.name}`;
}
