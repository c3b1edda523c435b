// CNCF Distribution notifications (docker-registry, Harbor's "http" webhook in Distribution
// format, GitLab's registry): an envelope of events POSTed with the bearer token configured on
// the registry's endpoint. Only a push of a tagged manifest is a push to Ferry; pulls, deletes,
// blob pushes and untagged pushes are dropped here.
import { z } from "zod";
import { AppError } from "../../errors.ts";
import { parsePayload } from "../../webhooks/schema-errors.ts";
import { mediaTypeOf, sameSecret, type NotificationFormat, type RegistryPush } from "../notifications.ts";

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
const envelope = z.object({ events: z.array(event).max(MAX_EVENTS) });

/** `Authorization: Bearer <secret>`, compared in constant time. */
export function verifyBearer(authorization: string | undefined, secret: string): void {
  const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
  if (!token) throw new AppError("WEBHOOK_UNAUTHORIZED", "missing Authorization: Bearer");
  if (!sameSecret(token, secret))
    throw new AppError("WEBHOOK_UNAUTHORIZED", "the bearer token does not match");
}

export const distributionFormat: NotificationFormat = {
  bodyType: (contentType) => {
    const type = mediaTypeOf(contentType);
    return type === DISTRIBUTION_EVENTS_TYPE || type === "application/json" ? "json" : undefined;
  },
  contentTypes: `${DISTRIBUTION_EVENTS_TYPE} or application/json`,
  verifyRequest: ({ headers }, secret) => verifyBearer(headers.authorization, secret),
  parse: ({ body }) => ({ pushes: distributionPushes(body) }),
};

/** The tagged manifest pushes of an envelope; throws WEBHOOK_MALFORMED for a body that is not one. */
export function distributionPushes(body: unknown): RegistryPush[] {
  return parsePayload(envelope, body, "registry notification").events.flatMap(({ id, action, target }) =>
    action === "push" && target?.tag
      ? [
          {
            eventId: id,
            repository: target.repository ?? "",
            tag: target.tag,
            // A push without them is not one image with a digest: ignored with that reason.
            digest: target.digest ?? "",
            mediaType: target.mediaType ?? "untyped",
          },
        ]
      : [],
  );
}
