import { AppError, isAppError } from "../errors.ts";

/**
 * Runs a queue operation with a deadline. BullMQ waits for the connection to become ready
 * before its first command, which would hold a webhook request past the forge's timeout while
 * Redis is down; a 503 lets the forge redeliver later instead.
 */
export async function withDeadline<T>(
  what: string,
  timeoutMs: number,
  operation: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new AppError("QUEUE_UNAVAILABLE", `${what}: Redis did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([operation(), timeout]);
  } catch (error) {
    if (isAppError(error)) throw error;
    throw new AppError("QUEUE_UNAVAILABLE", `${what}: ${error instanceof Error ? error.message : "failed"}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}
