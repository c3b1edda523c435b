// GitHub's inbound side: verify the signature, name the delivery, normalize the payload.
import { createHash } from "node:crypto";
import { AppError } from "../../errors.ts";
import { decodeBody } from "../body.ts";
import { safeHeader } from "../headers.ts";
import type { NormalizedDelivery as Normalized, WebhookProvider } from "../types.ts";
import {
  normalizeCheckRun,
  normalizeCheckSuite,
  normalizeIssueComment,
  normalizePing,
  normalizePullRequest,
  normalizePush,
} from "./normalize.ts";
import { signatureHeader, verifyGithub } from "./verify.ts";

const normalizers: Record<
  string,
  (body: unknown, origin: { forge: string; deliveryId: string }) => Normalized
> = {
  push: normalizePush,
  pull_request: normalizePullRequest,
  issue_comment: normalizeIssueComment,
  ping: normalizePing,
  check_run: normalizeCheckRun,
  check_suite: normalizeCheckSuite,
};

export const githubProvider: WebhookProvider = {
  verify: async ({ headers, rawBody, bodyText }, secret) => {
    if (!secret) throw new AppError("WEBHOOK_UNAUTHORIZED", "no webhook secret configured");
    await verifyGithub(headers, bodyText ?? (() => decodeBody(rawBody)), secret);
  },
  verifyHeaders: signatureHeader,
  eventName: (headers) => {
    const event = safeHeader(headers, "x-github-event");
    if (!event) throw new AppError("WEBHOOK_MALFORMED", "missing X-GitHub-Event");
    return event;
  },
  deliveryId: (headers, rawBody) =>
    safeHeader(headers, "x-github-delivery") ??
    `sha256-${createHash("sha256").update(rawBody).digest("hex")}`,
  normalize: ({ headers, body, forge, deliveryId }) => {
    const event = githubProvider.eventName(headers);
    const normalize = normalizers[event];
    if (!normalize) return { events: [], ignored: `event "${event}" is not used by Ferry` };
    return normalize(body, { forge, deliveryId });
  },
};
