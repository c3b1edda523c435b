// The one place where a failure becomes an HTTP answer: `{"error": code, "message": text}`,
// status from src/errors.ts. Unknown failures answer with the generic summary only, so no
// stack trace, path or secret ever reaches a client.
import type { ErrorRequestHandler, RequestHandler } from "express";
import { AppError, errorCodes, type ErrorCode } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";

/** body-parser and express signal their own errors with a status and a type. */
function fromFrameworkError(error: unknown): AppError | undefined {
  if (typeof error !== "object" || error === null || !("status" in error)) return undefined;
  const status = error.status;
  const byStatus: Record<number, ErrorCode> = {
    413: "WEBHOOK_TOO_LARGE",
    415: "WEBHOOK_UNSUPPORTED_MEDIA",
  };
  if (typeof status !== "number" || status < 400 || status >= 500) return undefined;
  const code = byStatus[status] ?? "WEBHOOK_MALFORMED";
  return new AppError(code, errorCodes[code].summary, { cause: error });
}

export function toHttpError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  return fromFrameworkError(error) ?? new AppError("INTERNAL", errorCodes.INTERNAL.summary, { cause: error });
}

export interface ErrorAnswer {
  status: number;
  body: { error: ErrorCode; message: string };
  headers: Record<string, string>;
}

/**
 * Seconds a sender waits before retrying after a 503: the receiver had no room for the body,
 * or Redis (a failover) or the cluster could not take the work now.
 */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Logs a failure and returns its JSON answer. `locals` may hold the webhook delivery's lazily
 * made child logger (with forge and delivery id) and receives the outcome for the metrics.
 */
export function errorAnswer(
  error: unknown,
  logger: Logger,
  locals: { log?: () => Logger; outcome?: string },
): ErrorAnswer {
  const appError = toHttpError(error);
  const log = locals.log?.() ?? logger;
  const status = appError.httpStatus;
  const fields = { code: appError.code, status, reason: appError.message };
  if (status >= 500)
    log.error({ ...fields, err: error instanceof AppError ? undefined : error }, "request failed");
  else log.info(fields, "request refused");
  locals.outcome ??= outcomeFor(appError.code);
  const message = appError.code === "INTERNAL" ? errorCodes.INTERNAL.summary : appError.message;
  // Every 503 says when to come back (RFC 9110 §10.2.3), whichever part was unavailable.
  const headers: Record<string, string> =
    status === 503 ? { "retry-after": String(RETRY_AFTER_SECONDS) } : {};
  return { status, body: { error: appError.code, message }, headers };
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    const answer = errorAnswer(error, logger, res.locals as { log?: () => Logger; outcome?: string });
    if (res.headersSent) return;
    res.status(answer.status).set(answer.headers).json(answer.body);
  };
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new AppError("NOT_FOUND", "no such route"));
};

export function outcomeFor(code: ErrorCode): string {
  const outcomes: Partial<Record<ErrorCode, string>> = {
    WEBHOOK_UNAUTHORIZED: "unauthorized",
    WEBHOOK_MALFORMED: "malformed",
    WEBHOOK_TOO_LARGE: "too_large",
    WEBHOOK_UNSUPPORTED_MEDIA: "unsupported_media",
    FORGE_UNKNOWN: "unknown_forge",
    QUEUE_UNAVAILABLE: "unavailable",
    RECEIVER_BUSY: "busy",
  };
  return outcomes[code] ?? "error";
}
