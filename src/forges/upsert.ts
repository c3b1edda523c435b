import { isAppError } from "../errors.ts";
import { hasMarker, sameBody, withMarker } from "./marker.ts";
import { backoffMs, sleep, type ResolvedForgeOptions } from "./options.ts";
import type { UpsertResult } from "./types.ts";

/** The three comment operations a forge offers; each forge adapts its API to this. */
export interface CommentStore {
  list(): Promise<{ id: number; body: string }[]>;
  /** Must NOT be retried by the transport on 5xx: a lost answer may hide a created comment. */
  create(body: string): Promise<number>;
  update(id: number, body: string): Promise<void>;
}

/**
 * Keeps one comment per key. A create whose answer is lost (5xx, reset) is not blindly
 * repeated: the comments are listed again first, so a comment the forge did store is found
 * by its marker and the result is still exactly one comment.
 */
export async function upsertByMarker(
  store: CommentStore,
  key: string,
  rawBody: string,
  options: ResolvedForgeOptions,
): Promise<UpsertResult> {
  const body = withMarker(key, rawBody);
  for (let attempt = 0; ; attempt++) {
    const existing = (await store.list()).find((comment) => hasMarker(key, comment.body));
    if (existing && sameBody(existing.body, body)) return { id: existing.id, action: "unchanged" };
    if (existing) {
      await store.update(existing.id, body);
      return { id: existing.id, action: "updated" };
    }
    try {
      return { id: await store.create(body), action: "created" };
    } catch (error) {
      if (!isAppError(error) || !error.retryable || attempt >= options.retries) throw error;
      await sleep(backoffMs(options, attempt));
    }
  }
}

/** A plain comment; retried on transient failures, accepting a rare duplicate over a lost report. */
export async function createWithRetry(
  create: () => Promise<number>,
  options: ResolvedForgeOptions,
): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      if (!isAppError(error) || !error.retryable || attempt >= options.retries) throw error;
      await sleep(backoffMs(options, attempt));
    }
  }
}
