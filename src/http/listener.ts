// The receiver's request listener: plain webhook POSTs skip express. Express's per-request
// work (router, request/response prototypes, body-parser's type, charset and stream plumbing)
// was a large share of the receiver's CPU per webhook in bench/webhooks.bench.ts, and the
// forges send nothing that needs it. The webhook logic itself is processWebhook, the same
// function the express route calls, and answers, logs and metrics are made by the same helpers.
// Anything unusual (a query string, a trailing slash, percent-encoding, a Content-Encoding)
// goes to the express app, whose route calls the same receiveWebhook and so answers alike.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { errorAnswer } from "./errors.ts";
import { recordOnFinish, type WebhookMetrics } from "./metrics.ts";
import { receiveWebhook, type WebhookContext, type WebhookRouteDeps } from "./webhook-route.ts";

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
    const answer = await receiveWebhook(deps, forgeName, req, res, context);
    sendJson(res, answer.status, answer.body);
  } catch (error) {
    const answer = errorAnswer(error, deps.logger, context);
    if (!res.headersSent) sendJson(res, answer.status, answer.body, answer.headers);
  }
}

/** The same headers express's `res.json` sends (etag and x-powered-by are off in createApp). */
function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
