// A real OpenID provider for tests (the `oidc-provider` package) over HTTP on loopback, with a
// scripted login: its interaction endpoint signs in whoever the test named last (`signInAs`)
// and grants the scopes asked for, where a person would type a password and press "allow".
// With `loginForm`, it shows a login form instead, for a real browser to fill in: the user
// whose email is typed (one the test named with `signInAs`) is signed in when it is submitted.
// And a tiny browser: fetch with a cookie jar per origin that follows redirects by hand, so a
// test walks the authorization code flow across Ferry and the provider as a browser would.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { closeServer } from "../../src/http/server.ts";

export interface TestUser {
  sub: string;
  email: string;
  name: string;
  groups: string[];
}

export interface TestProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Registers Ferry's callback (known once its harness listens) and starts answering. */
  register: (redirectUrl: string) => void;
  /** The user the next login signs in. */
  signInAs: (user: TestUser) => void;
  close: () => Promise<void>;
}

/** The provider's login page: one field, the user's email (tests need no passwords). */
function loginPage(uid: string): string {
  return `<!doctype html><html lang="en"><head><title>Sign in</title></head><body><main>
<form method="post" action="/interaction/${uid}"><label>Email <input name="login" type="email" required></label>
<button type="submit">Sign in</button></form></main></body></html>`;
}

async function formField(req: IncomingMessage, name: string): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8")).get(name) ?? undefined;
}

export async function startTestProvider(options: { loginForm?: boolean } = {}): Promise<TestProvider> {
  const users = new Map<string, TestUser>();
  let current: TestUser | undefined;
  const clientId = "ferry";
  const clientSecret = randomBytes(24).toString("hex");
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwk = { ...(await exportJWK(privateKey)), alg: "RS256", use: "sig", kid: "test" };
  const build = (redirectUrl: string) =>
    new Provider(issuer, {
      clients: [
        {
          client_id: clientId,
          client_secret: clientSecret,
          redirect_uris: [redirectUrl],
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_post",
        },
      ],
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(32).toString("hex")] },
      claims: { openid: ["sub"], email: ["email"], profile: ["name"], groups: ["groups"] },
      features: { devInteractions: { enabled: false } },
      ttl: { Interaction: 600, Grant: 600, Session: 600, AccessToken: 600, IdToken: 600 },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx, sub) => {
        const user = users.get(sub);
        return user ? { accountId: sub, claims: () => ({ ...user }) } : undefined;
      },
    });
  let provider: Provider | undefined;
  let callback: ReturnType<Provider["callback"]> | undefined;
  server.on("request", (req, res) => {
    if (!provider || !callback) {
      res.statusCode = 503;
      res.end("no client registered yet");
      return;
    }
    if (!req.url?.startsWith("/interaction/")) {
      void callback(req, res);
      return;
    }
    const registered = provider;
    void (async () => {
      const details = await registered.interactionDetails(req, res);
      let user = current;
      if (options.loginForm) {
        if (req.method !== "POST") {
          res.setHeader("content-type", "text/html; charset=utf-8");
          res.end(loginPage(details.uid));
          return;
        }
        const login = await formField(req, "login");
        user = [...users.values()].find((known) => known.email === login);
      }
      if (!user) throw new Error("the test named no user to sign in");
      const grant = new registered.Grant({
        accountId: user.sub,
        clientId: String(details.params.client_id),
      });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await registered.interactionFinished(
        req,
        res,
        { login: { accountId: user.sub }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  return {
    issuer,
    clientId,
    clientSecret,
    register: (redirectUrl) => {
      provider = build(redirectUrl);
      callback = provider.callback();
    },
    signInAs: (user) => {
      users.set(user.sub, user);
      current = user;
    },
    close: () => closeServer(server),
  };
}

export interface Browser {
  /** GET (or POST a form) and follow redirects, keeping each origin's cookies. */
  open: (
    url: string,
    form?: Record<string, string>,
  ) => Promise<{ status: number; url: string; text: string }>;
  /** The value of a cookie this browser holds for `url`'s origin. */
  cookie: (url: string, name: string) => string | undefined;
}

export function testBrowser(): Browser {
  const jars = new Map<string, Map<string, string>>();
  const jar = (url: URL) => {
    let cookies = jars.get(url.origin);
    if (!cookies) jars.set(url.origin, (cookies = new Map<string, string>()));
    return cookies;
  };
  return {
    cookie: (url, name) => jar(new URL(url)).get(name),
    open: async (start, form) => {
      let url = new URL(start);
      let body: URLSearchParams | undefined = form ? new URLSearchParams(form) : undefined;
      for (let hop = 0; hop < 20; hop++) {
        const cookies = jar(url);
        const response = await fetch(url, {
          method: body ? "POST" : "GET",
          redirect: "manual",
          headers: {
            accept: "text/html",
            cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
            ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
          },
          ...(body ? { body } : {}),
        });
        for (const line of response.headers.getSetCookie()) {
          const [pair = "", ...attributes] = line.split(";");
          const at = pair.indexOf("=");
          const name = pair.slice(0, at).trim();
          const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
          if (expired || pair.slice(at + 1) === "") cookies.delete(name);
          else cookies.set(name, pair.slice(at + 1));
        }
        const location = response.headers.get("location");
        if (response.status >= 300 && response.status < 400 && location) {
          url = new URL(location, url);
          body = undefined;
          continue;
        }
        return { status: response.status, url: url.href, text: await response.text() };
      }
      throw new Error(`too many redirects from ${start}`);
    },
  };
}

/**
 * ferry.yaml's `ui` for a Ferry listening at `url`: sign-in with `provider` (which learns
 * Ferry's callback here) and `roles`.
 */
export function signInWith(
  provider: TestProvider,
  url: string,
  roles: Array<Record<string, unknown>>,
): Record<string, unknown> {
  provider.register(`${url}/ui/auth/callback`);
  return {
    oidc: {
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      redirectUrl: `${url}/ui/auth/callback`,
      sessionSecret: `${randomBytes(24).toString("hex")}-test-session-secret`,
    },
    roles,
  };
}
