// GitHub App credentials (docs/github-app.md). @octokit/auth-app signs the App's JWT and trades
// it for installation tokens; this module decides WHICH installation a repository belongs to
// (GET /repos/{owner}/{repo}/installation, cached) and WHEN a token is renewed: before it gets
// close to its expiry, so no call is ever sent with a token GitHub would refuse.
import { readFileSync } from "node:fs";
import { createPrivateKey } from "node:crypto";
import { createAppAuth } from "@octokit/auth-app";
import type { GithubAppConfig } from "../../config/schema.ts";
import { AppError, isAppError } from "../../errors.ts";
import type { ForgeCaller } from "../call.ts";
import type { ResolvedForgeOptions } from "../options.ts";
import { createGithubClient, type GithubClient } from "./client.ts";
import { GithubApp, GithubInstallation, GithubInstallationToken } from "./schema.ts";

/** How long a repository's installation id is trusted before it is looked up again. */
const INSTALLATION_TTL_MS = 60 * 60 * 1000;

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not handed out any more. */
  renewAt: number;
}

export class GithubAppCredentials {
  readonly appId: string;
  readonly #client: GithubClient;
  readonly #call: ForgeCaller;
  readonly #renewBeforeMs: number;
  readonly #installations = new Map<string, { id: Promise<number>; until: number }>();
  readonly #tokens = new Map<number, CachedToken>();
  readonly #pending = new Map<number, Promise<CachedToken>>();
  #slug: Promise<string> | undefined;

  constructor(input: {
    app: GithubAppConfig;
    apiUrl: string;
    options: ResolvedForgeOptions;
    call: ForgeCaller;
    onResponse?: (headers: Record<string, unknown>) => void;
  }) {
    this.appId = String(input.app.id);
    this.#renewBeforeMs = input.app.renewBefore;
    this.#call = input.call;
    this.#client = createGithubClient({
      apiUrl: input.apiUrl,
      options: input.options,
      strategy: {
        authStrategy: createAppAuth,
        auth: { appId: this.appId, privateKey: privateKeyOf(input.app) },
      },
      ...(input.onResponse ? { onResponse: input.onResponse } : {}),
    });
  }

  /** The installation that covers `repo`, looked up with the App's JWT and cached. */
  installationOf(repoPath: string): Promise<number> {
    const key = repoPath.toLowerCase();
    const cached = this.#installations.get(key);
    if (cached && cached.until > Date.now()) return cached.id;
    const { owner, repo } = splitRepo(repoPath);
    const id = this.#call(
      "GET",
      "/repos/{owner}/{repo}/installation",
      GithubInstallation,
      async () => (await this.#client.rest.apps.getRepoInstallation({ owner, repo })).data,
    ).then(
      (installation) => installation.id,
      (error: unknown) => {
        throw notInstalledHint(repoPath, error);
      },
    );
    // A failed lookup is not remembered: the App may be installed a minute later.
    id.catch(() => this.#installations.delete(key));
    this.#installations.set(key, { id, until: Date.now() + INSTALLATION_TTL_MS });
    return id;
  }

  /**
   * A token of the installation that is valid for a while yet: cached, renewed once less than
   * `renewBefore` (or, for tokens shorter-lived than twice that, half their lifetime) remains.
   * Concurrent callers share one renewal.
   */
  async installationToken(installationId: number): Promise<string> {
    const cached = this.#tokens.get(installationId);
    if (cached && Date.now() < cached.renewAt) return cached.token;
    let pending = this.#pending.get(installationId);
    if (!pending) {
      pending = this.#issue(installationId).finally(() => this.#pending.delete(installationId));
      this.#pending.set(installationId, pending);
    }
    return (await pending).token;
  }

  async tokenFor(repoPath: string): Promise<string> {
    return this.installationToken(await this.installationOf(repoPath));
  }

  /** Tokens handed out and still cached: scrubbed from any error text. */
  secrets(): string[] {
    return [...this.#tokens.values()].map((entry) => entry.token);
  }

  /** The App's slug (GET /app): its comments are authored by `<slug>[bot]`. */
  slug(): Promise<string> {
    this.#slug ??= this.#call(
      "GET",
      "/app",
      GithubApp,
      async () => (await this.#client.rest.apps.getAuthenticated()).data,
    ).then((app) => app.slug);
    this.#slug.catch(() => (this.#slug = undefined));
    return this.#slug;
  }

  async #issue(installationId: number): Promise<CachedToken> {
    const issued = await this.#call(
      "POST",
      "/app/installations/{installation_id}/access_tokens",
      GithubInstallationToken,
      () => this.#client.auth({ type: "installation", installationId, refresh: true }),
    );
    const now = Date.now();
    const expiresAt = Date.parse(issued.expiresAt);
    const margin = Math.min(this.#renewBeforeMs, (expiresAt - now) / 2);
    const entry = { token: issued.token, renewAt: expiresAt - margin };
    this.#tokens.set(installationId, entry);
    return entry;
  }
}

/** The PEM from the configuration or its file; checked once at start so a bad key fails early. */
function privateKeyOf(app: GithubAppConfig): string {
  let pem = app.privateKey;
  if (pem === undefined && app.privateKeyFile !== undefined) {
    try {
      pem = readFileSync(app.privateKeyFile, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "error";
      throw new AppError("CONFIG_INVALID", `app.privateKeyFile ${app.privateKeyFile}: cannot read (${code})`);
    }
  }
  // Keys passed through environment variables often carry "\n" escapes instead of line breaks.
  const text = (pem ?? "").replace(/\\n/g, "\n");
  try {
    createPrivateKey(text);
  } catch {
    throw new AppError("CONFIG_INVALID", `app ${app.id}: the private key is not a PEM private key`);
  }
  return text;
}

/** GitHub answers 404 when the App has no installation that covers the repository. */
function notInstalledHint(repoPath: string, error: unknown): unknown {
  if (!isAppError(error) || error.details?.status !== 404) return error;
  return new AppError(
    "FORGE_API_FAILED",
    `${error.message} (the GitHub App is not installed on ${repoPath}, or not given access to it)`,
    { retryable: false, details: error.details },
  );
}

export function splitRepo(repoPath: string): { owner: string; repo: string } {
  const [owner = "", repo = ""] = repoPath.split("/");
  return { owner, repo };
}
