import { createHmac, randomUUID } from "node:crypto";

/** GitHub's X-Hub-Signature-256 value for a raw body. */
export function signGithub(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** POSTs `body` to `<baseUrl>/webhooks/github` as GitHub delivers `event`: signed, a fresh delivery id. */
export function postSignedGithub(
  baseUrl: string,
  event: string,
  body: string,
  secret: string,
): Promise<Response> {
  return fetch(`${baseUrl}/webhooks/github`, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": signGithub(body, secret),
    },
  });
}
