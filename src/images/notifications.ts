// Registry notifications, whatever their format: what each format's parser
// (src/images/notifications/{distribution,dockerhub,ghcr}.ts) hands on, and the one rule that
// turns it into image jobs. Only a push of a tagged image that an image policy follows matters
// to Ferry. Tags and digests are validated here, at the edge, so nothing downstream sees one
// outside the OCI grammar; the image worker lists the tags itself (src/images/update.ts).
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { ImageConfig } from "../config/schema.ts";
import type { BodyType } from "../webhooks/body.ts";
import { isValidDigest, isValidTag } from "./policy.ts";

/** A push one notification names, before it is matched against the image policies. */
export interface RegistryPush {
  /** What identifies the push across redeliveries: the ledger deduplicates on it. */
  eventId: string;
  repository: string;
  tag: string;
  /** Absent when the format does not say (Docker Hub). */
  digest?: string;
  /** The manifest's media type; absent when the format does not say. */
  mediaType?: string;
}

/** What a verified body says: the pushes it names, or why it names none Ferry could use. */
export type ParsedNotification = { pushes: RegistryPush[] } | { ignored: string };

export interface NotificationRequest {
  headers: IncomingHttpHeaders;
  /** The request target (path and query), as the client sent it. */
  url: string;
}

export interface ReceivedBody {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The raw body as strict UTF-8 (throws WEBHOOK_MALFORMED), decoded once per request. */
  bodyText: () => string;
}

/**
 * One registry's notification format. The receiver (src/http/registry-route.ts) runs the steps
 * in this order: content type, `verifyRequest` (before a body byte is kept), body read within
 * the limit, `verifyBody` (signatures over the raw bytes), `parse`.
 */
export interface NotificationFormat {
  /** How the body is encoded, or undefined for a content type the format never sends (415). */
  bodyType(contentType: string | undefined): BodyType | undefined;
  /** The content types `bodyType` accepts, for the 415's message. */
  contentTypes: string;
  /** Checks what the request line and headers prove; throws WEBHOOK_UNAUTHORIZED. */
  verifyRequest(request: NotificationRequest, secret: string): void;
  /** Checks a signature over the raw body; throws WEBHOOK_UNAUTHORIZED. */
  verifyBody?(received: ReceivedBody, secret: string): Promise<void>;
  /** The pushes of a verified body; throws WEBHOOK_MALFORMED with what is wrong. */
  parse(received: ReceivedBody & { body: Record<string, unknown> }): ParsedNotification;
}

/** The media type of a Content-Type header: lowercased, without parameters. */
export const mediaTypeOf = (contentType: string | undefined) =>
  contentType?.split(";")[0]?.trim().toLowerCase();

const digestOf = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** A secret sent in the clear (a bearer token, a URL's token), compared in constant time. */
export function sameSecret(given: string, secret: string): boolean {
  // Digests have equal length whatever was sent, so the comparison's time says nothing.
  return timingSafeEqual(digestOf(given), digestOf(secret));
}

const IMAGE_MANIFESTS = new Set([
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
]);

export interface PushedImage {
  /** The push's id: a redelivered notification is recognised by it. */
  eventId: string;
  image: string;
  repository: string;
  tag: string;
  digest?: string;
}

export interface IgnoredEvent {
  eventId: string;
  reason: string;
}

/**
 * The pushes that one of `images` (of this registry) follows, as one entry per (push, image).
 * A push of a repository nobody follows is dropped silently; a followed one that is not a single
 * image with an OCI tag (and digest, when the format gives one) is ignored with its reason.
 */
export function followedPushes(
  pushes: readonly RegistryPush[],
  registry: string,
  images: readonly ImageConfig[],
): { pushed: PushedImage[]; ignored: IgnoredEvent[] } {
  const pushed: PushedImage[] = [];
  const ignored: IgnoredEvent[] = [];
  for (const { eventId, repository, tag, digest, mediaType } of pushes) {
    const followers = images.filter((i) => i.registry === registry && i.repository === repository);
    if (followers.length === 0) continue;
    const what = `${repository}:${JSON.stringify(tag)}`;
    if (mediaType !== undefined && !IMAGE_MANIFESTS.has(mediaType))
      ignored.push({ eventId, reason: `${what} is a ${mediaType} push, not one image` });
    else if (!isValidTag(tag)) ignored.push({ eventId, reason: `${what}: the tag is not an OCI tag` });
    else if (digest !== undefined && !isValidDigest(digest))
      ignored.push({ eventId, reason: `${what}: the digest is not sha256:<64 hex>` });
    else
      for (const image of followers)
        pushed.push({ eventId, image: image.name, repository, tag, ...(digest ? { digest } : {}) });
  }
  return { pushed, ignored };
}
