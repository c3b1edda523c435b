import { AppError, isAppError } from "../errors.ts";

function unavailable(what: string, error: unknown): AppError {
  if (isAppError(error)) return error;
  return new AppError("QUEUE_UNAVAILABLE", `${what}: ${error instanceof Error ? error.message : "failed"}`, {
    cause: error,
  });
}

/**
 * Runs a queue operation with a deadline. BullMQ waits for the connection to become ready
 * before its first command, which would hold a webhook request past the forge's timeout while
 * Redis is down; a 503 lets the forge redeliver later instead.
 *
 * One promise and one timer per call, settled by whichever comes first: this runs twice per
 * accepted webhook, and the async wrapper with a `Promise.race` over a second timeout promise
 * allocated about twice as much per call (bench/README.md, third pass).
 */
export function withDeadline<T>(what: string, timeoutMs: number, operation: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new AppError("QUEUE_UNAVAILABLE", `${what}: Redis did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const settle = (error: unknown) => {
      clearTimeout(timer);
      reject(unavailable(what, error));
    };
    let pending: Promise<T>;
    try {
      pending = operation();
    } catch (error) {
      settle(error);
      return;
    }
    pending.then((value) => {
      clearTimeout(timer);
      resolve(value);
    }, settle);
  });
}
