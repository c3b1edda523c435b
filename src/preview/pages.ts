// The full preview pages served at GET /previews/<id>: self-contained HTML kept in Redis for a
// week. The id is a 192-bit digest of the page (publish.ts): unguessable without the page's
// content, so only readers of the merge request, where it is linked, can open it.
//
// One live page per merge request: an index key names the current page, and storing a new one
// replaces the previous page's HTML with a short marker, so an old link answers "superseded"
// (410) instead of serving a stale preview, and Redis holds one full page per MR, not one per push.
import type { RedisClient } from "../queue/connection.ts";
import { z } from "zod";
import { currentPreviewPageKey, previewPageKey } from "../keys.ts";

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
