// POST /webhooks/:forgeName — verify, normalize, route, enqueue, answer. Nothing slow happens
// here: GitHub and GitLab wait 10 seconds at most, and GitLab disables hooks that keep failing
// (https://docs.gitlab.com/user/project/integrations/webhooks/#auto-disabled-webhooks), which is
// also why ignored events answer 200, never 4xx.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import type { FerryConfig, ForgeConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import { withDeadline } from "../queue/deadline.ts";
import type { Enqueuer } from "../queue/enqueue.ts";
import { bodyType, decodeBody, parseBody } from "../webhooks/body.ts";
import { webhookProviders } from "../webhooks/providers.ts";
import { routeEvents, type PlannedJob } from "../webhooks/router.ts";
import type { WebhookProvider } from "../webhooks/types.ts";
import { drainBody, readBody, type BodyBudget } from "./intake.ts";
import { receiveRegistryNotification } from "./registry-route.ts";

export const webhookBodyLimit = 25 * 1024 * 1024;

export type WebhookEnqueuer = Pick<
  Enqueuer,
  "deliveries" | "enqueueSync" | "enqueuePreview" | "enqueueCommand" | "enqueueImage"
>;

export interface WebhookRouteDeps {
  config: FerryConfig;
  enqueuer: WebhookEnqueuer;
  logger: Logger;
  queueTimeoutMs?: number;
  /** Bytes of bodies in flight across all requests (server.maxBodyBytesInFlight). */
  bodies: BodyBudget;
}

/**
 * The delivery's child logger, made on first use: pino serializes a child's bindings when it is
 * created, and an accepted delivery logs nothing at the default level.
 */
export function lazyChild(parent: Logger, bindings: Record<string, unknown>): () => Logger {
  let child: Logger | undefined;
  return () => (child ??= parent.child(bindings));
}

function forgeOf(config: FerryConfig, name: string | undefined, context: WebhookContext): ForgeConfig {
  const forge = config.forges.find((candidate) => candidate.name === name);
  if (!forge) throw new AppError("FORGE_UNKNOWN", "no forge with this name is configured");
  context.forge = forge.name;
  return forge;
}

export function assertWebhookContentType(headers: IncomingHttpHeaders): void {
  if (!bodyType(headers["content-type"])) {
    throw new AppError(
      "WEBHOOK_UNSUPPORTED_MEDIA",
      "content type must be application/json or application/x-www-form-urlencoded",
    );
  }
  assertIdentityEncoding(headers);
}

/**
 * Senders (forges, registries) send bodies as they are; a compressed one could inflate far past
 * the body limit.
 */
export function assertIdentityEncoding(headers: IncomingHttpHeaders): void {
  const encoding = headers["content-encoding"];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
    throw new AppError("WEBHOOK_UNSUPPORTED_MEDIA", "content encoding must be identity");
  }
}

function enqueueOne(enqueuer: WebhookEnqueuer, job: PlannedJob): Promise<string> {
  switch (job.queue) {
    case "sync":
      return enqueuer.enqueueSync(job.data);
    case "preview":
      return enqueuer.enqueuePreview(job.data);
    case "command":
      return enqueuer.enqueueCommand(job.data);
    case "image":
      return enqueuer.enqueueImage(job.data);
  }
}

async function enqueueAll(enqueuer: WebhookEnqueuer, jobs: PlannedJob[]): Promise<string[]> {
  const ids: string[] = [];
  // In order, so a failure leaves a clear prefix rather than a partial mix.
  for (const job of jobs) {
    ids.push(await enqueueOne(enqueuer, job));
  }
  return ids;
}

/** Claims the delivery in the ledger, enqueues its jobs, confirms; undefined for a duplicate. */
export async function accept(
  deps: WebhookRouteDeps,
  forge: string,
  deliveryId: string,
  jobs: PlannedJob[],
  log: () => Logger,
) {
  const { deliveries } = deps.enqueuer;
  const timeout = deps.queueTimeoutMs ?? 3_000;
  const claim = await withDeadline("claim delivery", timeout, () => deliveries.claim(forge, deliveryId));
  if (claim === "done") return undefined;
  if (claim === "pending") {
    throw new AppError(
      "QUEUE_UNAVAILABLE",
      "this delivery is being processed by another request; retry later",
    );
  }
  try {
    const ids = await enqueueAll(deps.enqueuer, jobs);
    // Not awaited: the jobs are stored, and if this fails the claim still holds for a minute,
    // after which a redelivery meets the per-app and per-head job dedupe anyway.
    deliveries.confirm(forge, deliveryId).catch((error: unknown) => {
      log().warn(
        { reason: error instanceof Error ? error.message : String(error) },
        "delivery not confirmed",
      );
    });
    return ids;
  } catch (error) {
    // Let a redelivery try again; if Redis is gone the claim expires on its own.
    await deliveries.release(forge, deliveryId).catch(() => undefined);
    throw error;
  }
}

/**
 * What a webhook request leaves for the metrics and the error answer: the forge and the event
 * (set only once known, so strangers cannot mint metric labels), the outcome, and the
 * delivery's lazily made logger. Express passes `res.locals`; the lean listener its own object.
 */
export interface WebhookContext {
  forge?: string;
  event?: string;
  outcome?: string;
  log?: () => Logger;
}

export interface WebhookAnswer {
  status: number;
  body: unknown;
}

interface Admitted {
  forge: ForgeConfig;
  provider: WebhookProvider;
  log: () => Logger;
}

/**
 * Everything that can be decided from the request line and headers, before a body byte is
 * read: the content type, the forge, and what the forge's credentials say in the headers
 * (GitLab's token; the presence and shape of GitHub's signature).
 */
function admit(
  deps: WebhookRouteDeps,
  forgeName: string | undefined,
  headers: IncomingHttpHeaders,
  context: WebhookContext,
): Admitted {
  assertWebhookContentType(headers);
  const forge = forgeOf(deps.config, forgeName, context);
  const provider = webhookProviders.get(forge.type);
  if (!provider) throw new AppError("FORGE_UNKNOWN", "forge type has no webhook support");
  const log = lazyChild(deps.logger, { forge: forge.name, deliveryId: headerForLog(headers) });
  context.log = log;
  if (forge.webhookSecret) provider.verifyHeaders(headers, forge.webhookSecret);
  return { forge, provider, log };
}

/**
 * One webhook request, from headers to answer: shared by the express route and the lean
 * listener (src/http/listener.ts), so both check, read and answer alike.
 */
export async function receiveWebhook(
  deps: WebhookRouteDeps,
  forgeName: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  context: WebhookContext,
): Promise<WebhookAnswer> {
  // Registries (image notifications, src/images) receive at /webhooks/<name> too; config
  // loading keeps their names apart from the forges'.
  const registry = deps.config.registries.find((candidate) => candidate.name === forgeName);
  if (registry) return receiveRegistryNotification(deps, registry, req, res, context);
  let admitted: Admitted;
  try {
    admitted = admit(deps, forgeName, req.headers, context);
  } catch (error) {
    // Refused on its headers (unknown forge, bad token or signature shape): nothing of the body
    // is kept, but it is read off so the sender sees the answer (see drainBody).
    await drainBody(req);
    throw error;
  }
  const rawBody = await readBody(req, res, webhookBodyLimit, deps.bodies);
  return processWebhook(deps, admitted, req.headers, rawBody, context);
}

async function processWebhook(
  deps: WebhookRouteDeps,
  { forge, provider, log }: Admitted,
  headers: IncomingHttpHeaders,
  rawBody: Buffer,
  context: WebhookContext,
): Promise<WebhookAnswer> {
  // Decoded once, when first needed: GitHub's verification needs the text, GitLab's does not
  // (so a GitLab body that is not UTF-8 still gets 401 before 400 when the token is wrong).
  let text: string | undefined;
  const bodyText = () => (text ??= decodeBody(rawBody));
  if (forge.webhookSecret) {
    await provider.verify({ headers, rawBody, bodyText }, forge.webhookSecret);
  } else {
    log().warn("accepting an unsigned webhook because insecureAcceptUnsigned is set");
  }
  const event = provider.eventName(headers);
  context.event = event;
  const deliveryId = provider.deliveryId(headers, rawBody);
  const body = parseBody(bodyText(), bodyType(headers["content-type"]) ?? "json");
  const normalized = provider.normalize({ headers, body, forge: forge.name, deliveryId });
  // routeEvents explains every empty plan; a delivery without events brings its own reason.
  const plan = normalized.events.length > 0 ? routeEvents(normalized.events, deps.config.apps) : undefined;
  if (!plan || plan.jobs.length === 0) {
    return ignored(context, log, plan?.ignored ?? normalized.ignored ?? "nothing to do", "ignored");
  }
  const ids = await accept(deps, forge.name, deliveryId, plan.jobs, log);
  if (!ids) return ignored(context, log, "duplicate delivery", "duplicate");
  context.outcome = "accepted";
  // Debug, not info: one synchronous log write per accepted delivery cost the receiver about
  // as much CPU as the Redis work in the benchmark. ferry_webhooks_total counts them, each job
  // carries the delivery id, and refusals and ignored deliveries still log at info.
  if (deps.logger.isLevelEnabled("debug")) log().debug({ jobs: ids }, "webhook accepted");
  return { status: 202, body: { jobs: ids } };
}

export function webhookHandler(deps: WebhookRouteDeps): RequestHandler {
  return async (req, res) => {
    const { forgeName } = req.params;
    const name = typeof forgeName === "string" ? forgeName : undefined;
    const answer = await receiveWebhook(deps, name, req, res, res.locals as WebhookContext);
    res.status(answer.status).json(answer.body);
  };
}

/** The forge's delivery header, bounded, for log lines only (it is not trusted yet). */
function headerForLog(headers: IncomingHttpHeaders): string | undefined {
  const value = headers["x-github-delivery"] ?? headers["x-gitlab-event-uuid"] ?? headers["idempotency-key"];
  return typeof value === "string" ? value.slice(0, 100) : undefined;
}

export function ignored(
  context: WebhookContext,
  log: () => Logger,
  reason: string,
  outcome: string,
): WebhookAnswer {
  context.outcome = outcome;
  log().info({ reason }, "webhook ignored");
  return { status: 200, body: { ignored: reason } };
}
