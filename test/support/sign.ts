import { createHmac } from "node:crypto";

/** GitHub's X-Hub-Signature-256 value for a raw body. */
export function signGithub(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}
