import { AppError } from "../errors.ts";

export type Headers = Record<string, string | string[] | undefined>;

/** One header value; a repeated header is ambiguous and refused rather than guessed at. */
export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  if (Array.isArray(value)) {
    throw new AppError("WEBHOOK_MALFORMED", `header ${name} is repeated`);
  }
  return value;
}

const tokenLike = /^[\x21-\x7e][\x20-\x7e]{0,199}$/;

/**
 * A header value that ends up in logs, metrics labels or keys: printable ASCII, bounded
 * length. Node already rejects CR/LF in headers; this keeps the rest tidy.
 */
export function safeHeader(headers: Headers, name: string): string | undefined {
  const value = header(headers, name);
  if (value === undefined || value === "") return undefined;
  if (!tokenLike.test(value)) throw new AppError("WEBHOOK_MALFORMED", `header ${name} is not a valid value`);
  return value;
}
