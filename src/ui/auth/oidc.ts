// Signing in to the web UI with OpenID Connect through openid-client: the authorization code
// flow with PKCE, state and nonce (kept in a short-lived signed cookie between the redirect
// and the callback), the ID token's claims (or the userinfo endpoint's, for providers such as
// GitLab that put groups only there) turned into a session cookie, and sign-out.
import { Router, type Request } from "express";
import * as client from "openid-client";
import type { OidcConfig } from "../../config/schema.ts";
import { AppError } from "../../errors.ts";
import type { Logger } from "../../observability/logger.ts";
import { isLoopback } from "./loopback.ts";
import { csrfMatches, uiFormBody, type SessionCookies } from "./session.ts";

/** The provider's metadata, discovered at the first sign-in and kept; a failure is retried next time. */
function discoverer(oidc: OidcConfig): () => Promise<client.Configuration> {
  let discovered: Promise<client.Configuration> | undefined;
  return () => {
    discovered ??= client
      .discovery(
        new URL(oidc.issuer),
        oidc.clientId,
        oidc.clientSecret,
        undefined,
        // Plain HTTP only to a provider on this machine (a local Dex, a test's provider).
        isLoopback(new URL(oidc.issuer).hostname) ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        discovered = undefined;
        throw new AppError("OIDC_FAILED", `OpenID provider ${oidc.issuer} not discovered: ${String(error)}`, {
          cause: error,
        });
      });
    return discovered;
  };
}

function groupsOf(claims: Record<string, unknown> | undefined, claim: string): string[] | undefined {
  const value = claims?.[claim];
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((group): group is string => typeof group === "string");
  return undefined;
}

function displayName(claims: Record<string, unknown>, sub: string): string {
  for (const key of ["email", "preferred_username", "name"]) {
    const value = claims[key];
    if (typeof value === "string" && value.length > 0 && value.length <= 256) return value;
  }
  return sub;
}

function returnPath(req: Request): string {
  const value = req.query.returnTo;
  return typeof value === "string" && /^\/ui\/[^/\\]?/.test(value) && value.length <= 2048 ? value : "/ui/";
}

export function oidcRoutes(oidc: OidcConfig, cookies: SessionCookies, logger: Logger): Router {
  const router = Router();
  const provider = discoverer(oidc);
  const scope = oidc.scopes.join(" ");

  router.get("/ui/auth/login", async (req, res) => {
    const config = await provider();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    await cookies.startLogin(res, { state, nonce, verifier, returnTo: returnPath(req) });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: oidc.redirectUrl,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      nonce,
    });
    res.set("Cache-Control", "no-store").redirect(302, url.href);
  });

  router.get("/ui/auth/callback", async (req, res) => {
    const login = await cookies.takeLogin(req, res);
    if (!login)
      throw new AppError(
        "OIDC_FAILED",
        "no sign-in under way (or it expired): start again at /ui/auth/login",
      );
    const config = await provider();
    // The URL the provider redirected to, as registered (the request may have come through a proxy).
    const current = new URL(oidc.redirectUrl);
    current.search = new URL(req.originalUrl, "http://callback").search;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw new AppError(
        "OIDC_FAILED",
        `sign-in refused: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
        },
      );
    }
    const claims = tokens.claims();
    if (!claims) throw new AppError("OIDC_FAILED", "the provider returned no ID token");
    let groups = groupsOf(claims, oidc.groupsClaim);
    let profile: Record<string, unknown> = claims;
    if (groups === undefined) {
      // GitLab, for one, lists groups only in userinfo.
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      groups = groupsOf(info, oidc.groupsClaim) ?? [];
      profile = { ...info, ...claims };
    }
    const name = displayName(profile, claims.sub);
    await cookies.startSession(res, { sub: claims.sub, name, groups });
    logger.info({ sub: claims.sub, user: name, groups: groups.length }, "signed in to the web UI");
    res.redirect(302, login.returnTo);
  });

  return router;
}

/** Sign-out: a form POST with the session's CSRF token, so no other site can sign a user out. */
export function logoutRoute(cookies: SessionCookies): Router {
  const router = Router();
  router.post("/ui/auth/logout", uiFormBody, async (req, res) => {
    const session = await cookies.session(req);
    if (session && !csrfMatches(session, (req.body as Record<string, unknown> | undefined)?._csrf))
      throw new AppError("UI_CSRF", "the form's CSRF token is missing or wrong");
    cookies.endSession(res);
    res.redirect(303, "/ui/");
  });
  return router;
}
