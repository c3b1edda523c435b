// Turns a verified raw body into a value. Verification always runs on the raw bytes first
// (a re-serialized object would not match the signature).
import { AppError } from "../errors.ts";

export type BodyType = "json" | "form";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export function bodyType(contentType: string | undefined): BodyType | undefined {
  // What GitHub and GitLab send, without the parsing below (this runs twice per webhook).
  if (contentType === "application/json") return "json";
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType === "application/json") return "json";
  if (mediaType === "application/x-www-form-urlencoded") return "form";
  return undefined;
}

/** Strict UTF-8: forges send UTF-8, and a lossy decode would make signatures meaningless. */
export function decodeBody(rawBody: Buffer): string {
  try {
    return utf8.decode(rawBody);
  } catch (error) {
    throw new AppError("WEBHOOK_MALFORMED", "body is not valid UTF-8", { cause: error });
  }
}

/** JSON object from a JSON body or from the `payload` field of a form body (GitHub's option). */
export function parseBody(text: string, type: BodyType): Record<string, unknown> {
  const json = type === "form" ? new URLSearchParams(text).get("payload") : text;
  if (json === null) throw new AppError("WEBHOOK_MALFORMED", "form body has no payload field");
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new AppError("WEBHOOK_MALFORMED", "body is not valid JSON", { cause: error });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AppError("WEBHOOK_MALFORMED", "body is not a JSON object");
  }
  return value as Record<string, unknown>;
}
