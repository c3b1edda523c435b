import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { Octokit } from "@octokit/rest";
import Bottleneck from "bottleneck";
import type { ResolvedForgeOptions } from "../options.ts";

const RetryingOctokit = Octokit.plugin(retry, throttling);
export type GithubClient = InstanceType<typeof RetryingOctokit>;

/**
 * Octokit with bounded retries: the retry plugin repeats 5xx answers with (n+1)² backoff, the
 * throttling plugin waits out primary (x-ratelimit-reset) and secondary (Retry-After) rate
 * limits. Limiter groups are made per client: the plugin's defaults are module-wide singletons.
 */
export function createGithubClient(input: {
  apiUrl: string;
  /** A personal access token, a token source (an App installation) or an Octokit auth strategy. */
  token?: string | undefined;
  tokenSource?: () => Promise<string>;
  strategy?: { authStrategy: unknown; auth: unknown };
  /** Sees the headers of every answer (rate-limit bookkeeping). */
  onResponse?: (headers: Record<string, unknown>) => void;
  options: ResolvedForgeOptions;
}): GithubClient {
  const { options } = input;
  const wantRetry =
    (kind: string) =>
    (retryAfter: number, request: { method: string; url: string }, _o: unknown, retryCount: number) => {
      const accepted = retryCount < options.retries && retryAfter <= options.maxRetryAfterSeconds;
      options.logger?.warn(
        { kind, retryAfter, retryCount, accepted, method: request.method, route: request.url },
        "github rate limited",
      );
      return accepted;
    };
  const spaced = () => new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeIntervalMs });
  const client = new RetryingOctokit({
    baseUrl: input.apiUrl.replace(/\/+$/, ""),
    ...authOf(input),
    userAgent: "ferry",
    log: quietLog(options),
    retry: { retries: options.retries, retryAfterBaseValue: options.retryUnitMs },
    throttle: {
      id: "ferry",
      retryAfterBaseValue: options.retryUnitMs,
      write: spaced(),
      notifications: spaced(),
      onRateLimit: wantRetry("primary"),
      onSecondaryRateLimit: wantRetry("secondary"),
    },
  });
  const { onResponse } = input;
  if (onResponse) {
    client.hook.after("request", (response) => onResponse(response.headers));
    client.hook.error("request", (error) => {
      const headers = (error as { response?: { headers?: Record<string, unknown> } }).response?.headers;
      if (headers) onResponse(headers);
      throw error;
    });
  }
  return client;
}

function authOf(input: Parameters<typeof createGithubClient>[0]): Record<string, unknown> {
  if (input.strategy) return { ...input.strategy };
  const source = input.tokenSource;
  if (source) return { authStrategy: () => tokenSourceAuth(source) };
  return input.token ? { auth: input.token } : {};
}

type RequestFn = ((options: unknown) => Promise<unknown>) & {
  endpoint: { merge(route: unknown, parameters?: unknown): { headers: Record<string, string> } };
};

/**
 * An Octokit auth strategy that asks `source` for the token before every request, so a token
 * renewed in between is the one sent (a fixed `auth` string would go stale).
 */
function tokenSourceAuth(source: () => Promise<string>) {
  const auth = async () => ({ type: "token", tokenType: "installation", token: await source() });
  return Object.assign(auth, {
    hook: async (request: RequestFn, route: unknown, parameters?: unknown) => {
      const endpoint = request.endpoint.merge(route, parameters);
      endpoint.headers.authorization = `token ${await source()}`;
      return request(endpoint);
    },
  });
}

// Octokit logs to the console by default; route its rare warnings to pino instead.
function quietLog(options: ResolvedForgeOptions) {
  const noop = () => undefined;
  const warn = (message: string) => options.logger?.warn({ octokit: message }, "octokit warning");
  return { debug: noop, info: noop, warn, error: warn };
}
