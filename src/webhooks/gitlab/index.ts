// GitLab's inbound side: check the token, name the delivery, normalize the payload.
import { createHash } from "node:crypto";
import { AppError } from "../../errors.ts";
import { safeHeader, type Headers } from "../headers.ts";
import type { NormalizedDelivery as Normalized, WebhookProvider } from "../types.ts";
import { normalizeMergeRequest, normalizeNote, normalizePush } from "./normalize.ts";
import { objectKindSchema } from "./schema.ts";
import { verifyGitlab } from "./verify.ts";

type Normalizer = (body: unknown, origin: { forge: string; deliveryId: string }) => Normalized;

const byEvent: Record<string, Normalizer> = {
  "Push Hook": normalizePush,
  "Merge Request Hook": normalizeMergeRequest,
  "Note Hook": normalizeNote,
};

// System hooks send the same bodies under one header; object_kind tells them apart.
const byObjectKind: Record<string, Normalizer> = {
  push: normalizePush,
  merge_request: normalizeMergeRequest,
};

function pick(headers: Headers, body: unknown): Normalizer | undefined {
  const event = gitlabProvider.eventName(headers);
  if (event !== "System Hook") return byEvent[event];
  const kind = objectKindSchema.safeParse(body);
  return kind.success && kind.data.object_kind ? byObjectKind[kind.data.object_kind] : undefined;
}

export const gitlabProvider: WebhookProvider = {
  verifyHeaders: verifyGitlab,
  // A rejected promise, never a synchronous throw, as the interface promises.
  verify: ({ headers }, secret) =>
    Promise.resolve().then(() => {
      if (!secret) throw new AppError("WEBHOOK_UNAUTHORIZED", "no webhook secret configured");
      verifyGitlab(headers, secret);
    }),
  eventName: (headers) => {
    const event = safeHeader(headers, "x-gitlab-event");
    if (!event) throw new AppError("WEBHOOK_MALFORMED", "missing X-Gitlab-Event");
    return event;
  },
  // https://docs.gitlab.com/user/project/integrations/webhooks/#delivery-headers
  deliveryId: (headers, rawBody) =>
    safeHeader(headers, "idempotency-key") ??
    safeHeader(headers, "x-gitlab-event-uuid") ??
    `sha256-${createHash("sha256").update(rawBody).digest("hex")}`,
  normalize: ({ headers, body, forge, deliveryId }) => {
    const normalize = pick(headers, body);
    if (!normalize)
      return { events: [], ignored: `event "${gitlabProvider.eventName(headers)}" is not used by Ferry` };
    return normalize(body, { forge, deliveryId });
  },
};
