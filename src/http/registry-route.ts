// POST /webhooks/<registry name>: a registry's notifications that an image was pushed, in the
// format of the registry's `type` (src/images/notifications/): CNCF Distribution's envelope
// (docker-registry, Harbor, GitLab's registry), Docker Hub's webhook, GitHub's package events for
// GHCR. Whatever the format, the request is checked as far as it can be before a body byte is
// kept (a bearer token, a URL token, a signature header's shape), the body is bounded, verified
// and validated, and each push of a followed image becomes one image job, deduplicated by the
// push's id in the same delivery ledger the forges' deliveries use. The job only names the
// image: the worker lists the registry's tags and decides (src/images/update.ts), so a forged or
// replayed event can never pick a tag itself.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RegistryConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { followedPushes, type NotificationFormat } from "../images/notifications.ts";
import { distributionFormat } from "../images/notifications/distribution.ts";
import { dockerhubFormat } from "../images/notifications/dockerhub.ts";
import { ghcrFormat } from "../images/notifications/ghcr.ts";
import { decodeBody, parseBody } from "../webhooks/body.ts";
import { drainBody, readBody } from "./intake.ts";
import {
  accept,
  assertIdentityEncoding,
  ignored,
  lazyChild,
  type WebhookAnswer,
  type WebhookContext,
  type WebhookRouteDeps,
} from "./webhook-route.ts";

/** An envelope of up to 1,000 small events; docker-registry sends a few at a time. */
export const registryBodyLimit = 1024 * 1024;

const formats: Record<RegistryConfig["type"], NotificationFormat> = {
  distribution: distributionFormat,
  dockerhub: dockerhubFormat,
  ghcr: ghcrFormat,
};

/** Everything the request line and headers decide; returns the format's body encoding. */
function admit(registry: RegistryConfig, format: NotificationFormat, req: IncomingMessage) {
  assertIdentityEncoding(req.headers);
  const type = format.bodyType(req.headers["content-type"]);
  if (!type) throw new AppError("WEBHOOK_UNSUPPORTED_MEDIA", `content type must be ${format.contentTypes}`);
  // No secret, no endpoint: notifications are off for this registry and polling finds tags.
  if (!registry.webhookSecret)
    throw new AppError(
      "FORGE_UNKNOWN",
      `registry ${registry.name} sets no webhookSecret: notifications are off (tags are polled)`,
    );
  format.verifyRequest({ headers: req.headers, url: req.url ?? "" }, registry.webhookSecret);
  return { type, secret: registry.webhookSecret };
}

export async function receiveRegistryNotification(
  deps: WebhookRouteDeps,
  registry: RegistryConfig,
  req: IncomingMessage,
  res: ServerResponse,
  context: WebhookContext,
): Promise<WebhookAnswer> {
  context.forge = registry.name;
  context.event = "registry";
  const log = lazyChild(deps.logger, { registry: registry.name });
  context.log = log;
  const format = formats[registry.type];
  let admitted: ReturnType<typeof admit>;
  try {
    admitted = admit(registry, format, req);
  } catch (error) {
    await drainBody(req);
    throw error;
  }
  const rawBody = await readBody(req, res, registryBodyLimit, deps.bodies);
  let text: string | undefined;
  const received = { headers: req.headers, rawBody, bodyText: () => (text ??= decodeBody(rawBody)) };
  await format.verifyBody?.(received, admitted.secret);
  const parsed = format.parse({ ...received, body: parseBody(received.bodyText(), admitted.type) });
  if ("ignored" in parsed) return ignored(context, log, parsed.ignored, "ignored");
  const { pushed, ignored: refused } = followedPushes(parsed.pushes, registry.name, deps.config.images);
  for (const event of refused)
    log().info({ eventId: event.eventId, reason: event.reason }, "image push ignored");
  if (pushed.length === 0) return ignored(context, log, "no push of a followed image", "ignored");
  const jobs: string[] = [];
  for (const push of pushed) {
    const ids = await accept(
      deps,
      registry.name,
      // One ledger entry per (event, image): an event two image policies follow is two jobs.
      `${push.eventId}/${push.image}`,
      [
        {
          queue: "image",
          data: {
            image: push.image,
            trigger: "notification",
            tag: push.tag,
            ...(push.digest ? { digest: push.digest } : {}),
            eventId: `${registry.name}/${push.eventId}`,
          },
        },
      ],
      log,
    );
    if (ids) jobs.push(...ids);
  }
  if (jobs.length === 0) return ignored(context, log, "duplicate delivery", "duplicate");
  context.outcome = "accepted";
  log().info({ jobs, pushes: pushed.map((push) => `${push.repository}:${push.tag}`) }, "image push accepted");
  return { status: 202, body: { jobs } };
}
