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
  token: string | undefined;
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
  return new RetryingOctokit({
    baseUrl: input.apiUrl.replace(/\/+$/, ""),
    ...(input.token ? { auth: input.token } : {}),
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
}

// Octokit logs to the console by default; route its rare warnings to pino instead.
function quietLog(options: ResolvedForgeOptions) {
  const noop = () => undefined;
  const warn = (message: string) => options.logger?.warn({ octokit: message }, "octokit warning");
  return { debug: noop, info: noop, warn, error: warn };
}
