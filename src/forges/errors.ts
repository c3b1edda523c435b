import { scrubText } from "../observability/scrub.ts";
import { AppError } from "../errors.ts";

export interface ForgeCall {
  forge: string;
  method: string;
  /** The route template, never the full URL: no query strings, nothing secret. */
  route: string;
}

/**
 * The one way a forge API failure becomes an error. The forge's own message is kept because
 * it explains the failure ("Bad credentials", "Cannot transition status"), but the request
 * (headers with the token) is deliberately not attached as `cause`.
 */
export function forgeApiError(call: ForgeCall, status: number | undefined, forgeMessage: string): AppError {
  // GitHub answers rate limits with 403 too; those pass, so the job may retry later.
  const rateLimited = status === 429 || (status === 403 && /rate limit/i.test(forgeMessage));
  const retryable = status === undefined || rateLimited || status >= 500;
  const shown = status === undefined ? "no answer" : `HTTP ${status}`;
  const message = `${call.forge}: ${call.method} ${call.route} failed with ${shown}: ${forgeMessage}`.slice(
    0,
    500,
  );
  return new AppError("FORGE_API_FAILED", message, {
    retryable,
    details: { forge: call.forge, method: call.method, route: call.route, status },
  });
}

/** Removes tokens from any text that might echo them back (some proxies do). */
export function scrub(text: string, tokens: string | undefined | readonly string[]): string {
  const list = typeof tokens === "string" ? [tokens] : (tokens ?? []);
  return scrubText(text, list.filter(Boolean));
}
