// The request handler gitbeaker calls for every API call. Gitbeaker's own handler retries
// only 429/502, without waiting for Retry-After, and puts the request (with the token header)
// into its errors; this one retries 5xx and 429 a bounded number of times, honours
// Retry-After (https://docs.gitlab.com/security/rate_limits/), and throws errors that carry
// only the status and GitLab's message.
import { createRequesterFn, getMatchingRateLimiter } from "@gitbeaker/requester-utils";
import { backoffMs, sleep, type ResolvedForgeOptions } from "../options.ts";

export class GitlabAnswerError extends Error {
  readonly status: number | undefined;
  constructor(status: number | undefined, message: string) {
    super(message);
    this.name = "GitlabAnswerError";
    this.status = status;
  }
}

interface HandlerOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  searchParams?: string;
  prefixUrl?: string;
  signal?: AbortSignal;
  rateLimiters?: Record<string, unknown>;
}

type Verdict = { retry: false } | { retry: true; waitMs: number };

export function createGitlabRequester(options: ResolvedForgeOptions) {
  return createRequesterFn(
    (_service, requestOptions) => Promise.resolve(requestOptions),
    (endpoint, raw) => send(endpoint, raw ?? {}, options),
  );
}

async function send(endpoint: string, request: HandlerOptions, options: ResolvedForgeOptions) {
  const method = request.method ?? "GET";
  const url = new URL(
    endpoint,
    request.prefixUrl?.endsWith("/") ? request.prefixUrl : `${request.prefixUrl ?? ""}/`,
  );
  url.search = request.searchParams ?? "";
  const rateLimit = getMatchingRateLimiter(endpoint, request.rateLimiters as never, method);
  for (let attempt = 0; ; attempt++) {
    await rateLimit();
    let response: Response | undefined;
    try {
      response = await fetch(url, {
        method,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
      });
    } catch (error) {
      const verdict = decide(undefined, undefined, method, endpoint, attempt, options);
      if (!verdict.retry)
        throw new GitlabAnswerError(undefined, error instanceof Error ? error.message : "fetch failed");
      await sleep(verdict.waitMs);
      continue;
    }
    if (response.ok) return parse(response);
    const verdict = decide(
      response.status,
      response.headers.get("retry-after"),
      method,
      endpoint,
      attempt,
      options,
    );
    if (!verdict.retry) throw new GitlabAnswerError(response.status, await messageOf(response));
    await response.body?.cancel();
    options.logger?.warn(
      { status: response.status, attempt, waitMs: verdict.waitMs, method },
      "gitlab call retried",
    );
    await sleep(verdict.waitMs);
  }
}

function decide(
  status: number | undefined,
  retryAfter: string | null | undefined,
  method: string,
  endpoint: string,
  attempt: number,
  options: ResolvedForgeOptions,
): Verdict {
  if (attempt >= options.retries) return { retry: false };
  if (status === 429) {
    // A rate-limited request was not carried out, so even a create may be repeated.
    const seconds = Number(retryAfter);
    if (!Number.isFinite(seconds) || seconds < 0) return { retry: true, waitMs: backoffMs(options, attempt) };
    if (seconds > options.maxRetryAfterSeconds) return { retry: false };
    return { retry: true, waitMs: seconds * options.retryUnitMs };
  }
  const transient = status === undefined || status >= 500;
  // A lost answer to a note or merge request creation may hide a stored one (and a repeat of
  // the latter is a 409 "already exists"): the caller re-lists instead. So may one to a merge.
  const creates = method === "POST" && (endpoint.endsWith("/notes") || endpoint.endsWith("/merge_requests"));
  const merges = method === "PUT" && endpoint.endsWith("/merge");
  if (!transient || creates || merges) return { retry: false };
  return { retry: true, waitMs: backoffMs(options, attempt) };
}

async function parse(response: Response) {
  const headers = Object.fromEntries(response.headers.entries());
  const text = response.status === 204 ? "" : await response.text();
  const type = response.headers.get("content-type") ?? "";
  const body: unknown = type.includes("application/json") && text ? JSON.parse(text) : text;
  return { body: body as Record<string, unknown>, headers, status: response.status };
}

async function messageOf(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const data = JSON.parse(text) as { message?: unknown; error?: unknown };
    const message = data.message ?? data.error;
    return typeof message === "string" ? message : JSON.stringify(message ?? data);
  } catch {
    return text.slice(0, 300);
  }
}
