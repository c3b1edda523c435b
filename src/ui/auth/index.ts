// Who is using the web UI. Three modes, chosen by ferry.yaml:
//   oidc    `ui.oidc` is set: everyone signs in with the OpenID provider; roles from `ui.roles`.
//   local   no `ui.oidc`, and the server listens on loopback (`ferry up`): only this machine
//           reaches it, so its user gets a session with every role without signing in.
//   closed  no `ui.oidc` on a server others can reach: the UI answers 401 and says how to set
//           up sign-in. The webhooks and /previews are unaffected, which is why this is not a
//           start-up error: an existing `ferry serve` keeps receiving.
// /api/apps shows what the pages show, so it follows the same modes (requireReader): open on
// loopback, the signed-in user's readable apps with OIDC, 401 otherwise.
// Every mode has a signed session cookie carrying the CSRF token of the UI's forms.
import { randomBytes } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { FerryConfig } from "../../config/schema.ts";
import { AppError } from "../../errors.ts";
import { isLoopback } from "./loopback.ts";
import { SessionCookies, type Session } from "./session.ts";

export type AuthMode = "oidc" | "local" | "closed";

export interface UiAuth {
  mode: AuthMode;
  cookies: SessionCookies;
  /** The line under each page's header. */
  notice: string | undefined;
  /** Puts the session in res.locals.session, or answers: sign-in redirect, 401. */
  requireSession: RequestHandler;
  /**
   * For the read API: puts who asks in res.locals.session, or answers 401. Never redirects and
   * never sets a cookie (a script on loopback gets the local user's every-role reader).
   */
  requireReader: RequestHandler;
}

const LOCAL_SESSION_TTL_SECONDS = 24 * 3600;

/** Who reads the API of a loopback server without OIDC; it posts no forms, so its token is unused. */
const localReader: Session = {
  sub: "local",
  name: "local user",
  groups: [],
  all: true,
  csrf: randomBytes(32).toString("base64url"),
};

export function sessionOf(res: Response): Session {
  const session = (res.locals as { session?: Session }).session;
  if (!session) throw new AppError("UI_SIGN_IN_REQUIRED", "not signed in");
  return session;
}

export function uiAuth(config: FerryConfig): UiAuth {
  const oidc = config.ui.oidc;
  if (oidc) {
    const cookies = new SessionCookies(oidc.sessionSecret, {
      secure: new URL(oidc.redirectUrl).protocol === "https:",
      ttlSeconds: oidc.sessionTtlSeconds,
    });
    return {
      mode: "oidc",
      cookies,
      notice: undefined,
      requireSession: async (req: Request, res: Response, next: NextFunction) => {
        const session = await cookies.session(req);
        if (session) {
          res.locals.session = session;
          next();
          return;
        }
        // A page opened in the browser goes to the provider; anything else is told.
        if (req.method === "GET" && req.accepts(["html", "json"]) === "html" && req.path !== "/ui/events") {
          res.redirect(302, `/ui/auth/login?returnTo=${encodeURIComponent(req.originalUrl)}`);
          return;
        }
        throw new AppError("UI_SIGN_IN_REQUIRED", "sign in at /ui/auth/login");
      },
      requireReader: async (req: Request, res: Response, next: NextFunction) => {
        const session = await cookies.session(req);
        if (!session) throw new AppError("UI_SIGN_IN_REQUIRED", "sign in at /ui/auth/login");
        res.locals.session = session;
        next();
      },
    };
  }
  // A key of this process only: a restart signs the local user in again, silently.
  const cookies = new SessionCookies(randomBytes(32), {
    secure: false,
    ttlSeconds: LOCAL_SESSION_TTL_SECONDS,
  });
  if (isLoopback(config.server.host)) {
    return {
      mode: "local",
      cookies,
      notice: "No sign-in: this server listens on loopback only, so only this machine can reach it.",
      requireSession: async (req: Request, res: Response, next: NextFunction) => {
        res.locals.session =
          (await cookies.session(req)) ??
          (await cookies.startSession(res, { sub: "local", name: "local user", groups: [], all: true }));
        next();
      },
      requireReader: (_req: Request, res: Response, next: NextFunction) => {
        res.locals.session = localReader;
        next();
      },
    };
  }
  const closed = () => {
    throw new AppError(
      "UI_SIGN_IN_REQUIRED",
      "this server listens beyond loopback and ferry.yaml sets no ui.oidc: set up sign-in (docs/ui.md)",
    );
  };
  return {
    mode: "closed",
    cookies,
    notice: undefined,
    requireSession: closed,
    requireReader: closed,
  };
}
