// GET /ui/events[?app=<name>]: server-sent events for the UI's live pages (static/ui.js). Each
// `change` event says that something the page shows was written (state/changes.ts); the page
// then fetches its own URL again, so the event carries no state and leaks none. With `app`,
// only that app's changes; without, every app's and preview's (the lists).
import type { Request, Response } from "express";
import { AppError } from "../errors.ts";
import type { ChangeFeed } from "../state/changes.ts";

/** Open streams per process: each holds a socket; beyond this, new ones get a 503. */
const MAX_STREAMS = 1_000;
/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 25_000;

export function eventsHandler(feed: ChangeFeed, knownApp: (name: string) => boolean, shutdown?: AbortSignal) {
  let open = 0;
  return (req: Request, res: Response): void => {
    const app = typeof req.query.app === "string" ? req.query.app : undefined;
    if (app !== undefined && !knownApp(app)) throw new AppError("NOT_FOUND", "no such app");
    if (open >= MAX_STREAMS) throw new AppError("RECEIVER_BUSY", "too many open event streams");
    open++;
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Accel-Buffering": "no",
    });
    res.write("retry: 2000\n\n");
    const unsubscribe = feed.subscribe((change) => {
      if (app !== undefined && !("app" in change && change.app === app)) return;
      res.write(`event: change\ndata: ${JSON.stringify(change)}\n\n`);
    });
    const keepalive = setInterval(() => res.write(": keepalive\n\n"), KEEPALIVE_MS);
    const end = () => {
      clearInterval(keepalive);
      unsubscribe();
      shutdown?.removeEventListener("abort", finish);
      open--;
    };
    // The server is stopping: end the stream so closing the server does not wait for it.
    const finish = () => res.end();
    shutdown?.addEventListener("abort", finish, { once: true });
    res.once("close", end);
  };
}
