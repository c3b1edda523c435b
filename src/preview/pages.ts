// The full preview pages served at GET /previews/<id>: self-contained HTML kept in Redis for a
// week. The id is a 192-bit digest of the page (publish.ts): unguessable without the page's
// content, so only readers of the merge request, where it is linked, can open it.
import type { Redis } from "ioredis";
import { z } from "zod";
import { previewPageKey } from "../keys.ts";

export const PREVIEW_PAGE_TTL_SECONDS = 7 * 24 * 3600;

/** 24 bytes, base64url: 32 characters. */
export const previewIdSchema = z.string().regex(/^[A-Za-z0-9_-]{32}$/);

export async function savePreviewPage(redis: Redis, prefix: string, id: string, html: string): Promise<void> {
  await redis.set(previewPageKey(prefix, previewIdSchema.parse(id)), html, "EX", PREVIEW_PAGE_TTL_SECONDS);
}

/** undefined for a malformed id, an expired page or one that never existed. */
export async function loadPreviewPage(redis: Redis, prefix: string, id: string): Promise<string | undefined> {
  const parsed = previewIdSchema.safeParse(id);
  if (!parsed.success) return undefined;
  return (await redis.get(previewPageKey(prefix, parsed.data))) ?? undefined;
}
