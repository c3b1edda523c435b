// Self-heal backoff per app, kept in Redis so every worker sees the same clock: the first
// correction is immediate, each further one within the quiet period waits 2 s, 6 s, 18 s, …
// up to 5 min after the previous one. A controller fighting Ferry over a field then costs a
// handful of applies per hour instead of a hot loop; a quiet period without corrections
// resets the sequence.
import type { RedisClient } from "../queue/connection.ts";
import { z } from "zod";

export interface BackoffOptions {
  baseMs: number;
  factor: number;
  maxMs: number;
  /** No correction for this long: the next one starts over at baseMs. */
  quietMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 2_000, factor: 3, maxMs: 300_000, quietMs: 600_000 };

const stateSchema = z.object({
  attempt: z.coerce.number().int().min(0),
  lastAt: z.coerce.number(),
  nextAt: z.coerce.number(),
});
export type BackoffState = z.infer<typeof stateSchema>;

export async function readBackoff(redis: RedisClient, key: string): Promise<BackoffState | undefined> {
  const parsed = stateSchema.safeParse(await redis.hgetall(key));
  return parsed.success ? parsed.data : undefined;
}

/** When a correction may run now, the state to store after it; otherwise the time to wait for. */
export function nextCorrection(
  state: BackoffState | undefined,
  now: number,
  options: BackoffOptions,
): { allowed: true; state: BackoffState } | { allowed: false; nextAt: number } {
  if (state !== undefined && now < state.nextAt) return { allowed: false, nextAt: state.nextAt };
  const attempt = state !== undefined && now - state.lastAt < options.quietMs ? state.attempt + 1 : 0;
  const wait = Math.min(options.baseMs * options.factor ** attempt, options.maxMs);
  return { allowed: true, state: { attempt, lastAt: now, nextAt: now + wait } };
}

export async function writeBackoff(
  redis: RedisClient,
  key: string,
  state: BackoffState,
  ttlMs: number,
): Promise<void> {
  await redis
    .multi()
    .hset(key, { attempt: state.attempt, lastAt: state.lastAt, nextAt: state.nextAt })
    .pexpire(key, ttlMs)
    .exec();
}
