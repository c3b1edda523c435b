// Waiting for the stop signal, shared by `ferry serve`, `ferry worker` and `ferry up`. Its own
// module so that `ferry worker` does not load the receiver (receiver.ts imports the HTTP app,
// the web UI and its sign-in): code a worker never runs still costs it resident memory.
import type { Logger } from "../../observability/logger.ts";

/** Resolves on the first SIGTERM or SIGINT. */
export function untilSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, "shutting down");
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      resolve(signal);
    };
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
