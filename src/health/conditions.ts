// Status fields come from the API server, so they are read through lenient zod schemas: a
// field of the wrong shape makes the object's health Unknown instead of throwing mid-sync.
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import type { Health } from "./types.ts";

export const conditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
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

/** `Kind name` as used in every message, so people can find the object. */
export function label(object: KubeObject): string {
  return `${object.kind} ${object.metadata.name}`;
}
