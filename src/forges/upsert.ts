import { isAppError } from "../errors.ts";
import { hasMarker, sameBody, withMarker } from "./marker.ts";
import { backoffMs, sleep, type ResolvedForgeOptions } from "./options.ts";
import type { UpsertResult } from "./types.ts";

/** The comment operations a forge offers; each forge adapts its API to this. */
export interface CommentStore {
  /** `author` is the account that wrote the comment (login / username), when the forge says. */
  list(): Promise<{ id: number; body: string; author: string | undefined }[]>;
  /** The account Ferry writes as (Forge.identity). */
  self(): Promise<string>;
  /** Must NOT be retried by the transport on 5xx: a lost answer may hide a created comment. */
  create(body: string): Promise<number>;
  update(id: number, body: string): Promise<void>;
}

/**
 * Keeps one comment per key. Only Ferry's own comments count: a comment someone else wrote
 * with Ferry's marker is never edited (its author could edit it again later, or had it say
 * something Ferry never said), and Ferry makes its own beside it. A create whose answer is
 * lost (5xx, reset) is not blindly repeated: the comments are listed again first, so a comment
 * the forge did store is found by its marker and the result is still exactly one comment.
 */
export async function upsertByMarker(
  store: CommentStore,
  key: string,
  rawBody: string,
  options: ResolvedForgeOptions,
): Promise<UpsertResult> {
  const body = withMarker(key, rawBody);
  const self = sameAccount(await store.self());
  for (let attempt = 0; ; attempt++) {
    const existing = (await store.list()).find(
      (comment) => comment.author !== undefined && self(comment.author) && hasMarker(key, comment.body),
    );
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

/** Logins and usernames are case-insensitive on both forges. */
function sameAccount(self: string): (author: string) => boolean {
  const wanted = self.toLowerCase();
  return (author) => author.toLowerCase() === wanted;
}

/**
 * One lookup of the forge's own identity per forge instance, shared by concurrent callers; a
 * failed lookup is not kept, so the next call asks again.
 */
export function cachedIdentity(lookup: () => Promise<string>): () => Promise<string> {
  let pending: Promise<string> | undefined;
  return () => {
    pending ??= lookup().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
