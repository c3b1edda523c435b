// The full preview pages served at GET /previews/<id>: self-contained HTML kept in Redis for a
// week. The id is a 192-bit digest of the page (publish.ts): unguessable without the page's
// content, so only readers of the merge request, where it is linked, can open it.
//
// One live page per merge request: an index key names the current page, and storing a new one
// replaces the previous page's HTML with a short marker, so an old link answers "superseded"
// (410) instead of serving a stale preview, and Redis holds one full page per MR, not one per push.
import { Cluster } from "ioredis";
import type { RedisClient } from "../queue/connection.ts";
import { z } from "zod";
import { changesChannel, currentPreviewPageKey, previewPageKey } from "../keys.ts";
import { changeMessage } from "../state/changes.ts";

export const PREVIEW_PAGE_TTL_SECONDS = 7 * 24 * 3600;

/** Stored in place of a replaced page; no page starts like this (they start "<!doctype html>"). */
const SUPERSEDED_MARKER = "ferry:superseded";

/** 24 bytes, base64url: 32 characters. */
export const previewIdSchema = z.string().regex(/^[A-Za-z0-9_-]{32}$/);

export type StoredPreviewPage = { kind: "page"; html: string } | { kind: "superseded" };

/**
 * Stores `html` as the one live page of `changeRequest` (queue/job-ids.ts changeRequestKey).
 * The page and the index swap in one MULTI, so even two concurrent saves for one MR each mark
 * exactly the page they replaced.
 */
export async function savePreviewPage(
  redis: RedisClient,
  prefix: string,
  changeRequest: string,
  id: string,
  html: string,
): Promise<void> {
  const pageKey = previewPageKey(prefix, previewIdSchema.parse(id));
  const result = await redis
    .multi()
    .set(pageKey, html, "EX", PREVIEW_PAGE_TTL_SECONDS)
    .set(currentPreviewPageKey(prefix, changeRequest), id, "EX", PREVIEW_PAGE_TTL_SECONDS, "GET")
    .publish(changesChannel(prefix), changeMessage({ preview: changeRequest }))
    .exec();
  const previous = result?.[1]?.[1];
  if (typeof previous !== "string" || previous === id || !previewIdSchema.safeParse(previous).success) return;
  // XX: an expired old page stays gone; KEEPTTL: the marker goes when the page would have.
  await redis.set(previewPageKey(prefix, previous), SUPERSEDED_MARKER, "KEEPTTL", "XX");
}

/** undefined for a malformed id, an expired page or one that never existed. */
export async function loadPreviewPage(
  redis: RedisClient,
  prefix: string,
  id: string,
): Promise<StoredPreviewPage | undefined> {
  const parsed = previewIdSchema.safeParse(id);
  if (!parsed.success) return undefined;
  const stored = await redis.get(previewPageKey(prefix, parsed.data));
  if (stored === null) return undefined;
  return stored === SUPERSEDED_MARKER ? { kind: "superseded" } : { kind: "page", html: stored };
}

export interface CurrentPreview {
  /** queue/job-ids.ts changeRequestKey: `<forge>/<repo>!<number>`. */
  changeRequest: string;
  id: string;
}

/**
 * The live page of every merge request that has one (pages expire a week after their last
 * push), for the UI's previews list. SCAN, not KEYS, so Redis is never blocked; at most `limit`.
 */
export async function listCurrentPreviews(
  redis: RedisClient,
  prefix: string,
  limit: number,
): Promise<CurrentPreview[]> {
  const head = currentPreviewPageKey(prefix, "");
  const keys: string[] = [];
  // A Cluster's keys live on its masters: scan each (a hash-tag prefix keeps them on one).
  const nodes = redis instanceof Cluster ? redis.nodes("master") : [redis];
  for (const node of nodes) {
    for await (const batch of node.scanStream({ match: `${head}*`, count: 500 }) as AsyncIterable<string[]>) {
      keys.push(...batch);
      if (keys.length >= limit) break;
    }
    if (keys.length >= limit) break;
  }
  const chosen = keys.slice(0, limit).sort();
  if (chosen.length === 0) return [];
  const ids = await redis.mget(chosen);
  return chosen.flatMap((key, index) => {
    const id = ids[index];
    return typeof id === "string" && previewIdSchema.safeParse(id).success
      ? [{ changeRequest: key.slice(head.length), id }]
      : [];
  });
}
