// POST /webhooks/<registry name>: a registry's notifications (CNCF Distribution's envelope:
// docker-registry, Harbor, GitLab's registry) that an image was pushed. The token is checked
// before a body byte is kept, the envelope is validated, and each push of a followed image
// becomes one image job, deduplicated by the event's id in the same delivery ledger the forges'
// deliveries use. The job only names the image: the worker lists the registry's tags and
// decides (src/images/update.ts), so a forged or replayed event can never pick a tag itself.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RegistryConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import {
  DISTRIBUTION_EVENTS_TYPE,
  distributionEnvelope,
  pushedImages,
  verifyBearer,
} from "../images/notifications.ts";
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

function assertEnvelopeType(contentType: string | undefined): void {
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== DISTRIBUTION_EVENTS_TYPE && mediaType !== "application/json")
    throw new AppError(
      "WEBHOOK_UNSUPPORTED_MEDIA",
      `content type must be ${DISTRIBUTION_EVENTS_TYPE} or application/json`,
    );
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
  try {
    assertIdentityEncoding(req.headers);
    assertEnvelopeType(req.headers["content-type"]);
    // No secret, no endpoint: notifications are off for this registry and polling finds tags.
    if (!registry.webhookSecret)
      throw new AppError(
        "FORGE_UNKNOWN",
        `registry ${registry.name} sets no webhookSecret: notifications are off (tags are polled)`,
      );
    verifyBearer(req.headers.authorization, registry.webhookSecret);
  } catch (error) {
    await drainBody(req);
    throw error;
  }
  const raw = await readBody(req, res, registryBodyLimit, deps.bodies);
  const parsed = distributionEnvelope.safeParse(parseBody(decodeBody(raw), "json"));
  if (!parsed.success)
    throw new AppError(
      "WEBHOOK_MALFORMED",
      `not a registry notification envelope: ${parsed.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join(".")}: ${issue.message}`)
        .join("; ")}`,
    );
  const { pushed, ignored: refused } = pushedImages(parsed.data, registry.name, deps.config.images);
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
            digest: push.digest,
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
