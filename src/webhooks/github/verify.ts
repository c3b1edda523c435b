// X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256 of the raw body
// (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries).
// @octokit/webhooks' verify compares in constant time; it takes the body as a string, so the
// raw bytes are decoded strictly (no replacement characters that could change the digest).
import { verify } from "@octokit/webhooks-methods";
import { AppError } from "../../errors.ts";
import { header, type Headers } from "../headers.ts";

const signatureShape = /^sha256=[0-9a-f]{64}$/;

/** The signature header, checked for presence and shape: what can be known before the body. */
export function signatureHeader(headers: Headers): string {
  const signature = header(headers, "x-hub-signature-256");
  if (!signature) throw new AppError("WEBHOOK_UNAUTHORIZED", "missing X-Hub-Signature-256");
  if (!signatureShape.test(signature)) {
    throw new AppError("WEBHOOK_UNAUTHORIZED", "X-Hub-Signature-256 is not a sha256 signature");
  }
  return signature;
}

/** `bodyText` decodes the raw body strictly (a lossy decode would make the digest meaningless). */
export async function verifyGithub(headers: Headers, bodyText: () => string, secret: string): Promise<void> {
  const signature = signatureHeader(headers);
  const body = bodyText();
  if (body === "") throw new AppError("WEBHOOK_MALFORMED", "empty body");
  if (!(await verify(secret, body, signature))) {
    throw new AppError("WEBHOOK_UNAUTHORIZED", "X-Hub-Signature-256 does not match the body");
  }
}
