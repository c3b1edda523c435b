// Deterministic job ids (the Redis keys built from them are in src/keys.ts). BullMQ refuses custom job ids that contain ':' (they
// collide with its own key layout) or that look like integers, so ids here use '/', '!' and '@'.
import { hash } from "node:crypto";

/** Anything outside a conservative alphabet becomes '_' so an id never contains ':'. */
export function safeKeyPart(part: string): string {
  return part.toLowerCase().replace(/[^a-z0-9._/-]/g, "_");
}

/** Identifies one change request across its heads: `<forge>/<repo>!<number>`. */
export function changeRequestKey(forge: string, repo: string, number: number): string {
  return `${safeKeyPart(forge)}/${safeKeyPart(repo)}!${number}`;
}

/** Whether `key` (a changeRequestKey) is a change request of `app`'s repository on its forge. */
export function isChangeRequestOf(key: string, app: { forge: string; repo: string }): boolean {
  return key.startsWith(`${safeKeyPart(app.forge)}/${safeKeyPart(app.repo)}!`);
}

/** One preview job per (change request, head): a redelivery of the same head is the same job. */
export function previewJobId(forge: string, repo: string, number: number, headSha: string): string {
  return `preview/${changeRequestKey(forge, repo, number)}@${safeKeyPart(headSha).slice(0, 40)}`;
}

/** One command job per comment: a redelivered (or edited) comment never runs twice. */
export function commandJobId(forge: string, repo: string, number: number, commentId: number): string {
  return `command/${changeRequestKey(forge, repo, number)}/note-${commentId}`;
}

/** One command job per button press (delivery): a redelivery never runs it twice. */
export function checkActionJobId(
  forge: string,
  repo: string,
  checkRunId: number,
  deliveryId: string,
): string {
  return `command/${safeKeyPart(forge)}/${safeKeyPart(repo)}/check-${checkRunId}/${deliveryDigest(deliveryId)}`;
}

/** One sync job per (app, trigger): BullMQ deduplication keeps at most one pending per app. */
export function syncJobId(app: string, deliveryId: string): string {
  return `sync/${safeKeyPart(app)}/${deliveryDigest(deliveryId)}`;
}

/** BullMQ deduplication id: at most one pending sync per app. */
export function syncDeduplicationId(app: string): string {
  return `sync/${safeKeyPart(app)}`;
}

/** One image job per (image, trigger): a redelivered notification is the same job. */
export function imageJobId(image: string, trigger: string): string {
  return `image/${safeKeyPart(image)}/${deliveryDigest(trigger)}`;
}

/** BullMQ deduplication id: at most one pending image job per image (each lists every tag). */
export function imageDeduplicationId(image: string): string {
  return `image/${safeKeyPart(image)}`;
}

/** Delivery ids come from the forge: hash them so a hostile header cannot shape our keys. */
export function deliveryDigest(deliveryId: string): string {
  // One-shot hash: no Hash object per call (this runs twice per accepted webhook).
  return hash("sha256", deliveryId, "hex").slice(0, 32);
}
