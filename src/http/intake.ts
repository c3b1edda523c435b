// Reading a webhook body within bounds. One request may hold at most webhookBodyLimit bytes
// (413), and all requests of one receiver together at most `server.maxBodyBytesInFlight`
// (503 with Retry-After): without the second bound, twenty parallel 24 MB uploads exhaust a
// 512 MiB receiver before a single signature is checked. Both the lean listener and the express
// route read bodies here, so they answer alike.
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError, errorCodes } from "../errors.ts";

/** Bytes of request bodies that the receiver holds at once, across all requests. */
export class BodyBudget {
  #inFlight = 0;
  readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Reserves `bytes` if they fit; the caller gives them back with `release`. */
  take(bytes: number): boolean {
    if (this.#inFlight + bytes > this.limit) return false;
    this.#inFlight += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#inFlight -= bytes;
  }
}

const tooLarge = () => new AppError("WEBHOOK_TOO_LARGE", errorCodes.WEBHOOK_TOO_LARGE.summary);
const busy = () =>
  new AppError("RECEIVER_BUSY", "too many webhook bodies in flight; retry later", { retryable: true });

/** The declared length, or undefined for a chunked body (Node's parser enforces it). */
function declaredLength(req: IncomingMessage): number | undefined {
  const header = req.headers["content-length"];
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/**
 * Reads a refused body off to its end and drops it. An answer sent while the client is still
 * sending is lost: the client's next write fails (EPIPE) before it reads the answer, so a
 * refusal waits for the end of the body; none of its bytes are kept.
 */
export function drainBody(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    req.resume();
    if (req.complete || req.destroyed) resolve();
    else req.once("end", () => resolve()).once("close", () => resolve());
  });
}

/**
 * The raw body, at most `limit` bytes, its bytes counted against `budget` until `res` closes.
 * A body declared too large, or one that does not fit the budget, is refused before a byte of
 * it is kept; like body-parser, a refused body is read off (and dropped) to its end before the
 * answer, because a client that is still sending would not see an early one.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  budget: BodyBudget,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let reserved = 0;
    // `on`, not `once`: each is emitted once per request, and `once` wraps every listener.
    res.on("close", () => budget.release(reserved));
    const reserve = (bytes: number) => {
      if (!budget.take(bytes)) return false;
      reserved += bytes;
      return true;
    };
    const declared = declaredLength(req);
    // With a declared length the body is copied into one buffer of that size: no chunk list
    // and no concatenation that would hold it twice.
    let whole: Buffer | undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: AppError) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      whole = undefined;
      req.off("data", onData);
      void drainBody(req).then(() => reject(error));
    };
    const onData = (chunk: Buffer) => {
      if (size + chunk.length > limit) return fail(tooLarge());
      if (whole) {
        chunk.copy(whole, size);
      } else {
        if (!reserve(chunk.length)) return fail(busy());
        chunks.push(chunk);
      }
      size += chunk.length;
    };
    if (declared !== undefined && declared > limit) return fail(tooLarge());
    if (declared !== undefined) {
      if (!reserve(declared)) return fail(busy());
      whole = Buffer.allocUnsafe(declared);
    }
    req.on("data", onData);
    req.on("end", () => {
      if (settled) return;
      settled = true;
      resolve(whole ? whole.subarray(0, size) : Buffer.concat(chunks, size));
    });
    req.on("close", () => {
      if (settled) return;
      // Closed before its end: the client went away mid-body.
      settled = true;
      reject(new AppError("WEBHOOK_MALFORMED", errorCodes.WEBHOOK_MALFORMED.summary));
    });
  });
}
