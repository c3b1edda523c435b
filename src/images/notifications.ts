// CNCF Distribution notifications (docker-registry, Harbor's "http" webhook in Distribution
// format, GitLab's registry): an envelope of events POSTed with the bearer token configured on
// the registry's endpoint. Only a push of a tagged image manifest matters to Ferry; pulls,
// deletes, blob pushes and untagged pushes are ignored. Tags and digests are validated here, at
// the edge, so nothing downstream sees one outside the OCI grammar.
import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { ImageConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { isValidDigest, isValidTag } from "./policy.ts";

/** The media type docker-registry sends its envelopes with. */
export const DISTRIBUTION_EVENTS_TYPE = "application/vnd.docker.distribution.events.v1+json";

/** One body holds at most this many events (docker-registry batches a few). */
const MAX_EVENTS = 1_000;

const event = z.object({
  id: z.string().min(1).max(200),
  action: z.string().max(50),
  target: z
    .object({
      mediaType: z.string().max(200).optional(),
      repository: z.string().max(255).optional(),
      digest: z.string().max(100).optional(),
      tag: z.string().max(200).optional(),
    })
    .optional(),
});
export const distributionEnvelope = z.object({ events: z.array(event).max(MAX_EVENTS) });
export type DistributionEnvelope = z.infer<typeof distributionEnvelope>;

const digestOf = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** `Authorization: Bearer <secret>`, compared in constant time (digests of equal length). */
export function verifyBearer(authorization: string | undefined, secret: string): void {
  const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
  if (!token) throw new AppError("WEBHOOK_UNAUTHORIZED", "missing Authorization: Bearer");
  if (!timingSafeEqual(digestOf(token), digestOf(secret)))
    throw new AppError("WEBHOOK_UNAUTHORIZED", "the bearer token does not match");
}

const IMAGE_MANIFESTS = new Set([
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
]);

export interface PushedImage {
  /** The event's id: a redelivered event is recognised by it. */
  eventId: string;
  image: string;
  repository: string;
  tag: string;
  digest: string;
}

export interface IgnoredEvent {
  eventId: string;
  reason: string;
}

/** The pushes of tagged image manifests that one of `images` (of this registry) follows. */
export function pushedImages(
  envelope: DistributionEnvelope,
  registry: string,
  images: readonly ImageConfig[],
): { pushed: PushedImage[]; ignored: IgnoredEvent[] } {
  const pushed: PushedImage[] = [];
  const ignored: IgnoredEvent[] = [];
  for (const { id, action, target } of envelope.events) {
    if (action !== "push" || !target?.tag) continue; // pulls, deletes, blobs: nothing to do
    const followers = images.filter((i) => i.registry === registry && i.repository === target.repository);
    if (followers.length === 0) continue;
    const what = `${target.repository}:${JSON.stringify(target.tag)}`;
    if (!IMAGE_MANIFESTS.has(target.mediaType ?? ""))
      ignored.push({
        eventId: id,
        reason: `${what} is a ${target.mediaType ?? "untyped"} push, not one image`,
      });
    else if (!isValidTag(target.tag))
      ignored.push({ eventId: id, reason: `${what}: the tag is not an OCI tag` });
    else if (!isValidDigest(target.digest ?? ""))
      ignored.push({ eventId: id, reason: `${what}: the digest is not sha256:<64 hex>` });
    else
      for (const image of followers)
        pushed.push({
          eventId: id,
          image: image.name,
          repository: image.repository,
          tag: target.tag,
          digest: target.digest!,
        });
  }
  return { pushed, ignored };
}
