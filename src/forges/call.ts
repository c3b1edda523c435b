import type { z } from "zod";
import { forgeApiError, scrub, type ForgeCall } from "./errors.ts";

/** How one forge's client reports a failed call: its HTTP status (if any) and its message. */
export interface FailureReader {
  status(error: unknown): number | undefined;
  message(error: unknown): string;
}

/** One forge's `callApi` with its name, token and failure reader already bound. */
export type ForgeCaller = <S extends z.ZodType | undefined>(
  method: string,
  route: string,
  schema: S,
  run: () => Promise<unknown>,
) => Promise<S extends z.ZodType ? z.infer<S> : undefined>;

export function forgeCaller(forge: {
  forge: string;
  /** A fixed token, or the tokens in use right now (GitHub App installations). */
  token: string | undefined | (() => readonly string[]);
  reader: FailureReader;
}): ForgeCaller {
  return (method, route, schema, run) => callApi({ ...forge, method, route }, schema, run);
}

/**
 * Runs one API call, validates its answer with `schema` (when the answer is used), and turns
 * every failure into FORGE_API_FAILED with the token scrubbed from the text.
 */
export async function callApi<S extends z.ZodType | undefined>(
  where: ForgeCall & { token: string | undefined | (() => readonly string[]); reader: FailureReader },
  schema: S,
  run: () => Promise<unknown>,
): Promise<S extends z.ZodType ? z.infer<S> : undefined> {
  const call = { forge: where.forge, method: where.method, route: where.route };
  let answer: unknown;
  try {
    answer = await run();
  } catch (error) {
    throw forgeApiError(
      call,
      where.reader.status(error),
      scrub(where.reader.message(error), typeof where.token === "function" ? where.token() : where.token),
    );
  }
  if (!schema) return undefined as never;
  const parsed = schema.safeParse(answer);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw forgeApiError(
      call,
      200,
      `unexpected answer at ${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""}`,
    );
  }
  return parsed.data as never;
}
