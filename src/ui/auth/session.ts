// Sessions of the web UI in signed cookies (HS256 JWTs made by jose): nothing about a user is
// kept on the server. A session holds only what the UI decides with: the subject and a name
// to show and record, the groups for the roles, and the CSRF token its forms carry. The ID
// token itself is not kept.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { parse as parseCookies, serialize as serializeCookie } from "cookie";
import express, { type Request, type Response } from "express";
import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";

export const SESSION_COOKIE = "ferry_session";
/** The state, nonce and PKCE verifier of one sign-in under way. */
export const LOGIN_COOKIE = "ferry_login";
const LOGIN_TTL_SECONDS = 600;
const MAX_GROUPS = 100;

const sessionSchema = z.object({
  sub: z.string().min(1).max(256),
  /** What history and the page show: the email, else the name, else the subject. */
  name: z.string().min(1).max(256),
  groups: z.array(z.string().max(256)).max(MAX_GROUPS),
  /** Every role on every app: the user of a loopback server without OIDC. */
  all: z.boolean().optional(),
  csrf: z.string().min(32).max(64),
});
export type Session = z.infer<typeof sessionSchema>;

const loginSchema = z.object({
  state: z.string().min(1),
  nonce: z.string().min(1),
  verifier: z.string().min(43),
  /** Where to go after signing in: a path of this UI. */
  returnTo: z.string().regex(/^\/ui\/[^/\\]?/),
});
export type LoginState = z.infer<typeof loginSchema>;

export function newCsrfToken(): string {
  return randomBytes(32).toString("base64url");
}

export class SessionCookies {
  readonly #key: Uint8Array;
  readonly #secure: boolean;
  readonly #ttlSeconds: number;

  constructor(secret: string | Uint8Array, options: { secure: boolean; ttlSeconds: number }) {
    this.#key = typeof secret === "string" ? new TextEncoder().encode(secret) : secret;
    this.#secure = options.secure;
    this.#ttlSeconds = options.ttlSeconds;
  }

  async #sign(claims: Record<string, unknown>, audience: string, ttlSeconds: number): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.#key);
  }

  async #verify<T>(
    req: Request,
    cookie: string,
    audience: string,
    schema: z.ZodType<T>,
  ): Promise<T | undefined> {
    const token = parseCookies(req.headers.cookie ?? "")[cookie];
    if (!token || token.length > 8192) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.#key, { algorithms: ["HS256"], audience });
      const parsed = schema.safeParse(payload);
      return parsed.success ? parsed.data : undefined;
    } catch {
      // Expired, tampered with, or signed with another secret: not signed in.
      return undefined;
    }
  }

  #set(res: Response, cookie: string, value: string, maxAge: number): void {
    res.append(
      "Set-Cookie",
      serializeCookie(cookie, value, {
        httpOnly: true,
        secure: this.#secure,
        sameSite: "lax",
        // The whole site: /api/apps reads the same session as the pages (auth/index.ts).
        path: "/",
        maxAge,
      }),
    );
  }

  async startSession(res: Response, session: Omit<Session, "csrf">): Promise<Session> {
    const full = { ...session, groups: session.groups.slice(0, MAX_GROUPS), csrf: newCsrfToken() };
    this.#set(
      res,
      SESSION_COOKIE,
      await this.#sign(full, "ferry-session", this.#ttlSeconds),
      this.#ttlSeconds,
    );
    return full;
  }

  session(req: Request): Promise<Session | undefined> {
    return this.#verify(req, SESSION_COOKIE, "ferry-session", sessionSchema);
  }

  endSession(res: Response): void {
    this.#set(res, SESSION_COOKIE, "", 0);
  }

  async startLogin(res: Response, login: LoginState): Promise<void> {
    this.#set(
      res,
      LOGIN_COOKIE,
      await this.#sign(login, "ferry-login", LOGIN_TTL_SECONDS),
      LOGIN_TTL_SECONDS,
    );
  }

  async takeLogin(req: Request, res: Response): Promise<LoginState | undefined> {
    this.#set(res, LOGIN_COOKIE, "", 0);
    return this.#verify(req, LOGIN_COOKIE, "ferry-login", loginSchema);
  }
}

/**
 * Reads a UI form's body (actions, sign-out): small and flat, since each carries a CSRF token and
 * a field or two. No body parser runs before the UI routes.
 */
export const uiFormBody = express.urlencoded({ extended: false, limit: "4kb", parameterLimit: 10 });

/** Whether a form's token is the session's, compared in constant time. */
export function csrfMatches(session: Session, token: unknown): boolean {
  if (typeof token !== "string") return false;
  const given = Buffer.from(token);
  const expected = Buffer.from(session.csrf);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
