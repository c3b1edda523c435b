// POST /webhooks/:forgeName — verify, normalize, route, enqueue, answer. Nothing slow happens
// here: GitHub and GitLab wait 10 seconds at most, and GitLab disables hooks that keep failing
// (https://docs.gitlab.com/user/project/integrations/webhooks/#auto-disabled-webhooks), which is
// also why ignored events answer 200, never 4xx.
import express, { type Request, type RequestHandler, type Response } from "express";
import type { FerryConfig, ForgeConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import { withDeadline } from "../queue/deadline.ts";
import type { Enqueuer } from "../queue/enqueue.ts";
import { bodyType, decodeBody, parseBody } from "../webhooks/body.ts";
import { webhookProviders } from "../webhooks/providers.ts";
import { routeEvents, type PlannedJob, type RoutePlan } from "../webhooks/router.ts";
import type { WebhookProvider } from "../webhooks/types.ts";

export const webhookBodyLimit = 25 * 1024 * 1024;

export type WebhookEnqueuer = Pick<Enqueuer, "deliveries" | "enqueueSync" | "enqueuePreview">;

export interface WebhookRouteDeps {
  config: FerryConfig;
  enqueuer: WebhookEnqueuer;
  logger: Logger;
  queueTimeoutMs?: number;
}

interface Delivery {
  forge: ForgeConfig;
  provider: WebhookProvider;
  log: () => Logger;
}

/**
 * The delivery's child logger, made on first use: pino serializes a child's bindings when it is
 * created, and an accepted delivery logs nothing at the default level.
 */
function lazyChild(parent: Logger, bindings: Record<string, unknown>): () => Logger {
  let child: Logger | undefined;
  return () => (child ??= parent.child(bindings));
}

function forgeOf(config: FerryConfig, req: Request, res: Response): Delivery["forge"] {
  const forge = config.forges.find((candidate) => candidate.name === req.params.forgeName);
  if (!forge) throw new AppError("FORGE_UNKNOWN", "no forge with this name is configured");
  res.locals.forge = forge.name;
  return forge;
}

/** Refuses unsupported content types before a single body byte is read. */
export function requireWebhookContentType(): RequestHandler {
  return (req, _res, next) => {
    if (!bodyType(req.headers["content-type"])) {
      throw new AppError(
        "WEBHOOK_UNSUPPORTED_MEDIA",
        "content type must be application/json or application/x-www-form-urlencoded",
      );
    }
    next();
  };
}

export const readRawBody = express.raw({ type: () => true, limit: webhookBodyLimit });

async function enqueueAll(enqueuer: WebhookEnqueuer, jobs: PlannedJob[]): Promise<string[]> {
  const ids: string[] = [];
  // In order, so a failure leaves a clear prefix rather than a partial mix.
  for (const job of jobs) {
    ids.push(
      job.queue === "sync" ? await enqueuer.enqueueSync(job.data) : await enqueuer.enqueuePreview(job.data),
    );
  }
  return ids;
}

async function accept(deps: WebhookRouteDeps, delivery: Delivery, deliveryId: string, plan: RoutePlan) {
  const { deliveries } = deps.enqueuer;
  const forge = delivery.forge.name;
  const timeout = deps.queueTimeoutMs ?? 3_000;
  const fresh = await withDeadline("claim delivery", timeout, () => deliveries.claim(forge, deliveryId));
  if (!fresh) return undefined;
  try {
    const ids = await enqueueAll(deps.enqueuer, plan.jobs);
    // Not awaited: the jobs are stored, and if this fails the claim still holds for a minute,
    // after which a redelivery meets the per-app and per-head job dedupe anyway.
    deliveries.confirm(forge, deliveryId).catch((error: unknown) => {
      delivery
        .log()
        .warn({ reason: error instanceof Error ? error.message : String(error) }, "delivery not confirmed");
    });
    return ids;
  } catch (error) {
    // Let a redelivery try again; if Redis is gone the claim expires on its own.
    await deliveries.release(forge, deliveryId).catch(() => undefined);
    throw error;
  }
}

export function webhookHandler(deps: WebhookRouteDeps): RequestHandler {
  return async (req, res) => {
    const forge = forgeOf(deps.config, req, res);
    const provider = webhookProviders.get(forge.type);
    if (!provider) throw new AppError("FORGE_UNKNOWN", "forge type has no webhook support");
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const headers = req.headers;
    const log = lazyChild(deps.logger, { forge: forge.name, deliveryId: headerForLog(req) });
    res.locals.log = log;
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
    res.locals.event = event;
    const deliveryId = provider.deliveryId(headers, rawBody);
    const delivery: Delivery = { forge, provider, log };
    const body = parseBody(bodyText(), bodyType(headers["content-type"]) ?? "json");
    const normalized = provider.normalize({ headers, body, forge: forge.name, deliveryId });
    const plan = normalized.events.length > 0 ? routeEvents(normalized.events, deps.config.apps) : normalized;
    if (plan.ignored !== undefined || !("jobs" in plan) || plan.jobs.length === 0) {
      return ignored(res, delivery.log, plan.ignored ?? "nothing to do", "ignored");
    }
    const ids = await accept(deps, delivery, deliveryId, plan);
    if (!ids) return ignored(res, delivery.log, "duplicate delivery", "duplicate");
    res.locals.outcome = "accepted";
    // Debug, not info: one synchronous log write per accepted delivery cost the receiver about
    // as much CPU as the Redis work in the benchmark. ferry_webhooks_total counts them, each job
    // carries the delivery id, and refusals and ignored deliveries still log at info.
    if (deps.logger.isLevelEnabled("debug")) delivery.log().debug({ jobs: ids }, "webhook accepted");
    res.status(202).json({ jobs: ids });
  };
}

/** The forge's delivery header, bounded, for log lines only (it is not trusted yet). */
function headerForLog(req: Request): string | undefined {
  const value =
    req.headers["x-github-delivery"] ?? req.headers["x-gitlab-event-uuid"] ?? req.headers["idempotency-key"];
  return typeof value === "string" ? value.slice(0, 100) : undefined;
}

function ignored(res: Response, log: () => Logger, reason: string, outcome: string): void {
  res.locals.outcome = outcome;
  log().info({ reason }, "webhook ignored");
  res.status(200).json({ ignored: reason });
}
