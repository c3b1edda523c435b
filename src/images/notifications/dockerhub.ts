// Docker Hub's repository webhooks (docs.docker.com, "Webhooks"): one JSON body per push, POSTed
// to the URL set in the repository's Webhooks tab. Docker Hub sends no custom header and signs
// nothing, so what proves a delivery is Docker Hub's is a secret in that URL
// (`?token=<webhookSecret>`), compared in constant time before the body is read. The URL is
// therefore a credential: Ferry never logs request URLs (src/http/listener.ts, app.ts) and never
// echoes the token. The body names the repository and tag, not the digest; the worker reads it.
import { createHash } from "node:crypto";
import { z } from "zod";
import { AppError } from "../../errors.ts";
import { parsePayload } from "../../webhooks/schema-errors.ts";
import { mediaTypeOf, sameSecret, type NotificationFormat } from "../notifications.ts";

const payload = z.object({
  callback_url: z.string().max(2048).optional(),
  push_data: z.object({
    tag: z.string().max(200),
    pushed_at: z.number().nonnegative(),
    pusher: z.string().max(200).optional(),
  }),
  repository: z.object({ repo_name: z.string().min(1).max(255) }),
});

/** The URL's `token`; a repeated one is refused rather than guessed at. */
function urlToken(url: string): string | undefined {
  const tokens = new URL(url, "http://receiver.invalid").searchParams.getAll("token");
  if (tokens.length > 1)
    throw new AppError("WEBHOOK_UNAUTHORIZED", "the webhook URL has more than one token");
  return tokens[0] || undefined;
}

export const dockerhubFormat: NotificationFormat = {
  bodyType: (contentType) => (mediaTypeOf(contentType) === "application/json" ? "json" : undefined),
  contentTypes: "application/json",
  verifyRequest: ({ url }, secret) => {
    const token = urlToken(url);
    if (!token) throw new AppError("WEBHOOK_UNAUTHORIZED", "the webhook URL has no ?token=");
    if (!sameSecret(token, secret))
      throw new AppError("WEBHOOK_UNAUTHORIZED", "the token in the webhook URL does not match");
  },
  parse: ({ body }) => {
    const { push_data: push, repository } = parsePayload(payload, body, "Docker Hub webhook");
    // Docker Hub names no delivery: a redelivery is the same repository, tag and push time.
    const eventId = createHash("sha256")
      .update(JSON.stringify([repository.repo_name, push.tag, push.pushed_at]))
      .digest("hex")
      .slice(0, 32);
    return { pushes: [{ eventId, repository: repository.repo_name, tag: push.tag }] };
  },
};
