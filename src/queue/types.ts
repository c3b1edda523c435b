// Job payloads are validated with zod when a worker picks them up: a job written by an older
// Ferry or by hand must fail clearly, not half-run.
import { z } from "zod";

export const queueNames = {
  preview: "ferry-preview",
  sync: "ferry-sync",
  reconcile: "ferry-reconcile",
  command: "ferry-command",
  image: "ferry-image",
} as const;
export type QueueKind = keyof typeof queueNames;

export const previewJobSchema = z.object({
  forge: z.string(),
  repo: z.string(),
  number: z.number().int(),
  headSha: z.string(),
  baseSha: z.string().optional(),
  headRef: z.string(),
  baseRef: z.string(),
  isFork: z.boolean(),
  /** Apps tracked on this repo and base branch; the worker narrows them to the touched ones. */
  apps: z.array(z.string()).min(1),
  deliveryId: z.string(),
  url: z.string().optional(),
});
export type PreviewJob = z.infer<typeof previewJobSchema>;

export const syncReasons = ["webhook", "poll", "manual", "selfHeal", "rollback"] as const;
export const syncJobSchema = z.object({
  app: z.string(),
  reason: z.enum(syncReasons),
  /** The commit the trigger saw. A hint only: the worker resolves the branch head itself. */
  sha: z.string().optional(),
  /** Pin a revision (ferry sync --revision): skips head resolution. */
  revision: z.string().optional(),
  deliveryId: z.string().optional(),
  changeRequest: z.number().int().optional(),
  author: z.string().optional(),
  dryRun: z.boolean().optional(),
  /** Re-apply the revision even when it was rolled back as bad (`/ferry sync --force`). */
  force: z.boolean().optional(),
  /** Asked for with a button of the web UI by `author` (src/ui/actions.ts). */
  via: z.literal("ui").optional(),
});
export type SyncJob = z.infer<typeof syncJobSchema>;

/**
 * "Look at image `image` again" (images[].name): a registry said it pushed `tag` (a
 * notification), or the poll timer fired. The worker lists the registry's tags itself and
 * proposes the newest one the policy accepts, so a stale or replayed job can never go back.
 */
export const imageJobSchema = z.object({
  image: z.string().min(1),
  trigger: z.enum(["notification", "poll"]),
  /** The pushed tag and digest a notification named (already checked against the OCI grammar). */
  tag: z.string().optional(),
  digest: z.string().optional(),
  /** The registry's event id (the delivery ledger deduplicates on it). */
  eventId: z.string().optional(),
});
export type ImageJob = z.infer<typeof imageJobSchema>;

export const reconcileJobSchema = z.object({
  app: z.string(),
  /** What started this run: the timer, a watch event that saw a change, or a self-heal retry after its backoff. */
  trigger: z.enum(["timer", "watch", "manual", "heal"]).default("timer"),
});
export type ReconcileJob = z.infer<typeof reconcileJobSchema>;

/**
 * A `/ferry <command>` comment, as the receiver saw it: who wrote it where. The worker asks
 * the forge for everything else (the commenter's permission, the change request's branches
 * and head), because the receiver holds no forge token.
 */
const commandAuthor = z.object({ login: z.string().min(1), id: z.number().int().optional() });

export const commentCommandJobSchema = z.object({
  source: z.literal("comment").optional(),
  forge: z.string(),
  /** The configured spelling of the repository. */
  repo: z.string(),
  number: z.number().int().positive(),
  command: z.enum(["preview", "sync"]),
  force: z.boolean().default(false),
  commentId: z.number().int().positive(),
  author: commandAuthor,
  deliveryId: z.string(),
});
export type CommentCommandJob = z.infer<typeof commentCommandJobSchema>;

/**
 * "Sync now" pressed on a `ferry deploy: <app>` check run: the same permission rules as
 * `/ferry sync`, for that one app; the answer goes on the pressed run.
 */
export const checkActionJobSchema = z.object({
  source: z.literal("checkAction"),
  forge: z.string(),
  /** The configured spelling of the repository. */
  repo: z.string(),
  command: z.literal("sync"),
  app: z.string().min(1),
  checkRunId: z.number().int().positive(),
  /** Re-apply a revision that was rolled back as bad (the run said action_required). */
  force: z.boolean().default(false),
  author: commandAuthor,
  deliveryId: z.string(),
});
export type CheckActionJob = z.infer<typeof checkActionJobSchema>;

export const commandJobSchema = z.union([checkActionJobSchema, commentCommandJobSchema]);
export type CommandJob = z.infer<typeof commandJobSchema>;
