// GET /ui/events[?app=<name>]: server-sent events for the UI's live pages (static/ui.js). Each
// `change` event says that something the page shows was written (state/changes.ts); the page
// then fetches its own URL again, so the event carries no state. It still names an app or a
// merge request, so each stream carries only what its reader may read: changes of the apps
// their role reads, and previews of those apps' repositories. With `app`, only that app's.
import type { Request, Response } from "express";
import type { AppConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { isChangeRequestOf } from "../queue/job-ids.ts";
import type { Change, ChangeFeed } from "../state/changes.ts";

/** Open streams per process: each holds a socket; beyond this, new ones get a 503. */
const MAX_STREAMS = 1_000;
/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 25_000;

export interface EventsDeps {
  feed: ChangeFeed;
  /** The apps the stream's reader may read (after the session middleware ran). */
  readable: (res: Response) => readonly AppConfig[];
  /** Refuses `?app=` of an unknown app (404) or one the reader may not read (403). */
  checkApp: (res: Response, name: string) => void;
  /** Aborted when the server stops. */
  shutdown?: AbortSignal | undefined;
}

export function eventsHandler({ feed, readable, checkApp, shutdown }: EventsDeps) {
  let open = 0;
  return (req: Request, res: Response): void => {
    const app = typeof req.query.app === "string" ? req.query.app : undefined;
    if (app !== undefined) checkApp(res, app);
    const mine = readable(res);
    const names = new Set(mine.map((candidate) => candidate.name));
    const visible = (change: Change): boolean =>
      "app" in change
        ? names.has(change.app) && (app === undefined || change.app === app)
        : app === undefined && mine.some((candidate) => isChangeRequestOf(change.preview, candidate));
    if (open >= MAX_STREAMS) throw new AppError("RECEIVER_BUSY", "too many open event streams");
    open++;
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Accel-Buffering": "no",
    });
    res.write("retry: 2000\n\n");
    const unsubscribe = feed.subscribe((change) => {
      if (!visible(change)) return;
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
