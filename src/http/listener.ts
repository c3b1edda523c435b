// The receiver's request listener: plain webhook POSTs skip express. Express's per-request
// work (router, request/response prototypes, body-parser's type, charset and stream plumbing)
// was a large share of the receiver's CPU per webhook in bench/webhooks.bench.ts, and the
// forges send nothing that needs it. The webhook logic itself is processWebhook, the same
// function the express route calls, and answers, logs and metrics are made by the same helpers.
// Anything unusual (a query string, a trailing slash, percent-encoding, a Content-Encoding)
// goes to the express app, which answers it exactly as before.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { AppError, errorCodes } from "../errors.ts";
import { errorAnswer } from "./errors.ts";
import { recordOnFinish, type WebhookMetrics } from "./metrics.ts";
import {
  assertWebhookContentType,
  processWebhook,
  webhookBodyLimit,
  type WebhookContext,
  type WebhookRouteDeps,
} from "./webhook-route.ts";

/** What express's `/webhooks/:forgeName` matches, restricted to names that need no decoding. */
const webhookPath = /^\/webhooks\/([A-Za-z0-9._-]+)$/;

export function withLeanWebhooks(
  app: RequestListener,
  deps: WebhookRouteDeps,
  metrics: WebhookMetrics,
): RequestListener {
  return (req, res) => {
    const forgeName =
      req.method === "POST" && req.headers["content-encoding"] === undefined
        ? webhookPath.exec(req.url ?? "")?.[1]
        : undefined;
    if (forgeName === undefined) {
      app(req, res);
      return;
    }
    void serveWebhook(deps, metrics, forgeName, req, res);
  };
}

async function serveWebhook(
  deps: WebhookRouteDeps,
  metrics: WebhookMetrics,
  forgeName: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const context: WebhookContext = {};
  recordOnFinish(metrics, res, context);
  try {
    // Before a single body byte is read, as the express route does.
    assertWebhookContentType(req.headers);
    const rawBody = await readBody(req, webhookBodyLimit);
    const answer = await processWebhook(deps, { forgeName, headers: req.headers, rawBody }, context);
    sendJson(res, answer.status, answer.body);
  } catch (error) {
    const answer = errorAnswer(error, deps.logger, context);
    if (!res.headersSent) sendJson(res, answer.status, answer.body);
  }
}

/** The same headers express's `res.json` sends (etag and x-powered-by are off in createApp). */
function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

const tooLarge = () => new AppError("WEBHOOK_TOO_LARGE", errorCodes.WEBHOOK_TOO_LARGE.summary);

/**
 * The raw body, at most `limit` bytes. Like body-parser, an oversized body is read off to its
 * end before the 413 is answered (a client that is still sending would not see an early one).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: AppError) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      req.off("data", onData);
      req.resume();
      if (req.complete) reject(error);
      else req.once("end", () => reject(error)).once("close", () => reject(error));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(tooLarge());
      else chunks.push(chunk);
    };
    if (Number(req.headers["content-length"]) > limit) {
      fail(tooLarge());
      return;
    }
    req.on("data", onData);
    req.once("end", () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, size));
    });
    req.once("close", () => {
      if (settled) return;
      // Closed before its end: the client went away mid-body.
      settled = true;
      reject(new AppError("WEBHOOK_MALFORMED", errorCodes.WEBHOOK_MALFORMED.summary));
    });
  });
}
