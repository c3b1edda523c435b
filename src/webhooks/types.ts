// Forge-neutral events: what the receiver hands to the router after verification and
// normalization. Nothing past the router knows which forge an event came from.
import type { FerryCommand } from "./commands.ts";

export interface EventOrigin {
  /** `forges[].name` from ferry.yaml. */
  forge: string;
  /** owner/name on GitHub, path_with_namespace on GitLab. */
  repo: string;
  deliveryId: string;
}

export interface PushEvent extends EventOrigin {
  kind: "push";
  branch: string;
  before: string;
  after: string;
  created: boolean;
  deleted: boolean;
  forced: boolean;
  pusher?: string;
}

export type ChangeRequestAction =
  "opened" | "updated" | "reopened" | "ready" | "closed" | "merged" | "metadata";

export interface ChangeRequestEvent extends EventOrigin {
  kind: "changeRequest";
  number: number;
  action: ChangeRequestAction;
  headSha: string;
  baseSha?: string;
  headRef: string;
  baseRef: string;
  isFork: boolean;
  draft: boolean;
  merged: boolean;
  mergeSha?: string;
  author?: string;
  url?: string;
}

export interface CommentEvent extends EventOrigin {
  kind: "comment";
  number: number;
  /** The Ferry command, e.g. "preview" from `/ferry preview`. */
  command: FerryCommand;
  force: boolean;
  /** The comment's id: one comment runs its command at most once, and is acknowledged by it. */
  commentId: number;
  /** Login (GitHub) or username (GitLab) and numeric id of the commenter. */
  author?: string;
  authorId?: number;
}

/** A change request the forge names with its head and base (check runs list them). */
export type ChangeRequestHead = Pick<ChangeRequestEvent, "number" | "headSha" | "headRef" | "baseRef">;

/** Someone pressed "Re-run" on one of Ferry's check runs (or on its whole check suite). */
export interface RerunEvent extends EventOrigin {
  kind: "rerun";
  target:
    { type: "preview"; changeRequests: ChangeRequestHead[] } | { type: "deploy"; app: string; sha: string };
}

/**
 * A button pressed on one of Ferry's check runs (check_run.requested_action): "Sync now" on a
 * `ferry deploy: <app>` run. It becomes a command, with the permission rules of `/ferry sync`.
 */
export interface CheckActionEvent extends EventOrigin {
  kind: "checkAction";
  action: "sync";
  app: string;
  checkRunId: number;
  /** The pressed run's conclusion: action_required (a held-back revision) deploys it anyway. */
  conclusion: string | null;
  author?: string;
  authorId?: number;
}

export interface PingEvent extends EventOrigin {
  kind: "ping";
}

export type ForgeEvent =
  PushEvent | ChangeRequestEvent | CommentEvent | RerunEvent | CheckActionEvent | PingEvent;

/** A delivery turned into events; `ignored` says why when there are none. */
export interface NormalizedDelivery {
  events: ForgeEvent[];
  ignored?: string;
}

/** What one forge type's inbound code must provide. */
export interface WebhookProvider {
  /** Throws AppError WEBHOOK_UNAUTHORIZED unless the raw body is authentic. */
  verify(
    request: {
      headers: Record<string, string | string[] | undefined>;
      rawBody: Buffer;
      /** The raw body as strict UTF-8 (throws WEBHOOK_MALFORMED), decoded once per request. */
      bodyText?: () => string;
    },
    secret: string | undefined,
  ): Promise<void>;
  /** Turns a verified delivery into events (empty: nothing Ferry acts on; reason says why). */
  normalize(request: {
    headers: Record<string, string | string[] | undefined>;
    body: unknown;
    forge: string;
    deliveryId: string;
  }): { events: ForgeEvent[]; ignored?: string };
  deliveryId(headers: Record<string, string | string[] | undefined>, rawBody: Buffer): string;
  /**
   * The part of verify that needs no body (GitLab's token: all of it; GitHub's: a signature
   * header of the right shape). The receiver calls it before it reads a byte of the body, so
   * a stranger's upload is refused without being held. Throws like verify.
   */
  verifyHeaders(headers: Record<string, string | string[] | undefined>, secret: string): void;
  /** The forge's event name (`push`, `Merge Request Hook`…), for logs and metrics. */
  eventName(headers: Record<string, string | string[] | undefined>): string;
}
