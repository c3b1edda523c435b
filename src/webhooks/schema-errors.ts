import type { z } from "zod";
import { AppError } from "../errors.ts";

/** Parses with a zod schema; failures become WEBHOOK_MALFORMED naming the first bad field. */
export function parsePayload<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.map(String).join(".") || "(root)";
  throw new AppError("WEBHOOK_MALFORMED", `${what} payload: ${path}: ${issue?.message ?? "invalid"}`);
}
