// X-Gitlab-Token carries the configured secret itself (no signature). Comparing SHA-256
// digests keeps timingSafeEqual's inputs equal in length, so neither the content nor the
// length of the secret leaks through timing.
import { createHash, timingSafeEqual } from "node:crypto";
import { AppError } from "../../errors.ts";
import { header, type Headers } from "../headers.ts";

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

export function verifyGitlab(headers: Headers, secret: string): void {
  const token = header(headers, "x-gitlab-token");
  if (!token) throw new AppError("WEBHOOK_UNAUTHORIZED", "missing X-Gitlab-Token");
  if (!timingSafeEqual(digest(token), digest(secret))) {
    throw new AppError("WEBHOOK_UNAUTHORIZED", "X-Gitlab-Token does not match");
  }
}
