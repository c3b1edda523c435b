import { z } from "zod";

const units = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const pattern = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parses durations written like `90s`, `5m`, `1h`, `250ms` into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = pattern.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Math.round(Number(amount) * units[unit as keyof typeof units]);
}

/** A zod schema that accepts a duration string (or a number of milliseconds) and yields ms. */
export const durationSchema = z
  .union([z.number().int().nonnegative(), z.string()])
  .transform((value, ctx) => {
    if (typeof value === "number") return value;
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: "custom", message: `invalid duration "${value}" (use e.g. 90s, 5m, 1h)` });
      return z.NEVER;
    }
    return ms;
  });
