// The GitHub App side of the fake GitHub, per docs.github.com/en/apps/creating-github-apps/
// authenticating-with-a-github-app: a JWT signed with the App's key (RS256, iss = App id, exp
// at most 10 minutes ahead) for /app/* and GET /repos/{owner}/{repo}/installation, and
// installation tokens that expire (here after seconds, not an hour) and open only the
// repositories of their own installation. Every refusal is recorded: a test asserts none.
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from "node:crypto";
import type { FakeRequest, FakeResponse } from "./server.ts";

export interface FakeInstallation {
  id: number;
  /** The organisation (or user) that installed the App: it covers all of its repositories. */
  account: string;
}

export interface FakeAppOptions {
  id: number;
  slug?: string;
  installations: FakeInstallation[];
  /** Lifetime of an installation token; GitHub's is one hour. */
  tokenTtlMs: number;
}

interface IssuedToken {
  installation: number;
  expiresAt: number;
}

const JWT_MAX_SECONDS = 600;

export class FakeAppAuthority {
  readonly id: number;
  readonly slug: string;
  readonly installations: FakeInstallation[];
  readonly tokenTtlMs: number;
  /** The PEM Ferry is configured with (PKCS#1, as GitHub hands it out). */
  readonly privateKeyPem: string;
  readonly #publicKey: KeyObject;
  readonly tokens = new Map<string, IssuedToken>();
  /** Every call refused for its credentials: `<reason>: <METHOD> <path>`. */
  readonly refused: string[] = [];

  constructor(options: FakeAppOptions) {
    this.id = options.id;
    this.slug = options.slug ?? "ferry-test";
    this.installations = options.installations;
    this.tokenTtlMs = options.tokenTtlMs;
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    this.#publicKey = publicKey;
    this.privateKeyPem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  }

  /** Routes that take the App's JWT instead of a token. */
  static wantsJwt(path: string): boolean {
    return path === "/app" || path.startsWith("/app/") || /^\/repos\/[^/]+\/[^/]+\/installation$/.test(path);
  }

  authorize(request: FakeRequest): FakeResponse | undefined {
    const header = request.headers.authorization ?? "";
    const [scheme = "", value = ""] = header.split(" ");
    const denied = FakeAppAuthority.wantsJwt(request.path)
      ? scheme.toLowerCase() === "bearer"
        ? this.#checkJwt(value)
        : "a JWT is required"
      : this.#checkToken(scheme, value, request.path);
    if (denied === undefined) return undefined;
    this.refused.push(`${denied}: ${request.method} ${request.path}`);
    return denied.startsWith("not installed")
      ? {
          status: 404,
          body: { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" },
        }
      : {
          status: 401,
          body: { message: denied, documentation_url: "https://docs.github.com/rest", status: "401" },
        };
  }

  installationFor(repo: string): FakeInstallation | undefined {
    const owner = repo.split("/")[0]?.toLowerCase();
    return this.installations.find((installation) => installation.account.toLowerCase() === owner);
  }

  issueToken(installationId: number): { token: string; expiresAt: number } | undefined {
    if (!this.installations.some((installation) => installation.id === installationId)) return undefined;
    const token = `ghs_${randomBytes(18).toString("base64url")}`;
    const expiresAt = Date.now() + this.tokenTtlMs;
    this.tokens.set(token, { installation: installationId, expiresAt });
    return { token, expiresAt };
  }

  /** The installation a token was issued for (undefined for anything else). */
  installationOfToken(token: string): number | undefined {
    return this.tokens.get(token)?.installation;
  }

  #checkJwt(jwt: string): string | undefined {
    const [head = "", body = "", signature = ""] = jwt.split(".");
    let header: { alg?: unknown };
    let claims: { iss?: unknown; exp?: unknown; iat?: unknown };
    try {
      header = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as typeof header;
      claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as typeof claims;
    } catch {
      return "A JSON web token could not be decoded";
    }
    if (header.alg !== "RS256") return "A JSON web token could not be decoded";
    const signed = verify(
      "RSA-SHA256",
      Buffer.from(`${head}.${body}`),
      this.#publicKey,
      Buffer.from(signature, "base64url"),
    );
    if (!signed) return "A JSON web token could not be decoded";
    if (String(claims.iss) !== String(this.id)) return "Integration not found";
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== "number" || claims.exp <= now)
      return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
    if (claims.exp - now > JWT_MAX_SECONDS) return "'Expiration time' claim ('exp') is too far in the future";
    if (typeof claims.iat !== "number" || claims.iat > now + 60)
      return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
    return undefined;
  }

  #checkToken(scheme: string, token: string, path: string): string | undefined {
    if (!["token", "bearer"].includes(scheme.toLowerCase())) return "Requires authentication";
    const issued = this.tokens.get(token);
    if (!issued) return "Bad credentials";
    if (Date.now() >= issued.expiresAt) return "Bad credentials (expired installation token)";
    const repo = /^\/repos\/([^/]+\/[^/]+)/.exec(path)?.[1];
    if (repo !== undefined && this.installationFor(repo)?.id !== issued.installation)
      return `not installed: installation ${issued.installation} does not cover ${repo}`;
    return undefined;
  }
}
