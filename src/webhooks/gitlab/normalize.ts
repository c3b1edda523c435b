import type {
  ChangeRequestAction,
  ChangeRequestEvent,
  CommentEvent,
  NormalizedDelivery as Normalized,
  PushEvent,
} from "../types.ts";
import { parseCommand } from "../commands.ts";
import { parsePayload } from "../schema-errors.ts";
import {
  mergeRequestPayloadSchema,
  notePayloadSchema,
  pushPayloadSchema,
  type MergeRequestPayload,
} from "./schema.ts";

interface Origin {
  forge: string;
  deliveryId: string;
}

const zeroSha = /^0+$/;

export function normalizePush(body: unknown, origin: Origin): Normalized {
  const push = parsePayload(pushPayloadSchema, body, "Push Hook");
  if (!push.ref.startsWith("refs/heads/"))
    return { events: [], ignored: `push to ${push.ref} is not a branch` };
  const created = zeroSha.test(push.before);
  const deleted = zeroSha.test(push.after);
  const event: PushEvent = {
    kind: "push",
    ...origin,
    repo: push.project.path_with_namespace,
    branch: push.ref.slice("refs/heads/".length),
    before: push.before,
    after: push.after,
    created,
    deleted,
    // GitLab does not say; the worker diffs before..after and copes with either.
    forced: false,
    ...(push.user_username ? { pusher: push.user_username } : {}),
  };
  return { events: [event] };
}

function mergeRequestAction(payload: MergeRequestPayload): ChangeRequestAction | undefined {
  const attributes = payload.object_attributes;
  switch (attributes.action) {
    case "open":
      return "opened";
    case "reopen":
      return "reopened";
    case "update": {
      // New commits carry oldrev; otherwise only title, labels… changed, unless the MR just
      // left draft, which deserves its first preview.
      if (attributes.oldrev) return "updated";
      const draft = payload.changes?.draft;
      return draft?.previous === true && draft.current === false ? "ready" : "metadata";
    }
    case "merge":
      return "merged";
    case "close":
      return "closed";
    default:
      return undefined;
  }
}

const isDraft = (mr: { draft?: boolean | undefined; work_in_progress?: boolean | undefined }) =>
  mr.draft ?? mr.work_in_progress ?? false;

export function normalizeMergeRequest(body: unknown, origin: Origin): Normalized {
  const payload = parsePayload(mergeRequestPayloadSchema, body, "Merge Request Hook");
  const action = mergeRequestAction(payload);
  const attributes = payload.object_attributes;
  if (!action)
    return { events: [], ignored: `merge request action "${attributes.action ?? "none"}" needs no preview` };
  const event: ChangeRequestEvent = {
    kind: "changeRequest",
    ...origin,
    repo: payload.project.path_with_namespace,
    number: attributes.iid,
    action,
    headSha: attributes.last_commit.id,
    headRef: attributes.source_branch,
    baseRef: attributes.target_branch,
    isFork: attributes.source_project_id !== attributes.target_project_id,
    draft: isDraft(attributes),
    merged: action === "merged",
    ...(attributes.merge_commit_sha ? { mergeSha: attributes.merge_commit_sha } : {}),
    ...(payload.user?.username ? { author: payload.user.username } : {}),
    ...(attributes.url ? { url: attributes.url } : {}),
  };
  return { events: [event] };
}

export function normalizeNote(body: unknown, origin: Origin): Normalized {
  const payload = parsePayload(notePayloadSchema, body, "Note Hook");
  const mr = payload.merge_request;
  const note = payload.object_attributes;
  if (note.noteable_type !== "MergeRequest" || !mr) {
    return { events: [], ignored: "comment is not on a merge request" };
  }
  // Only a new note runs a command: editing one never runs it again.
  if (note.action !== undefined && note.action !== "create")
    return { events: [], ignored: `note action "${note.action}"` };
  const parsed = parseCommand(note.note);
  if (!parsed) return { events: [], ignored: "comment has no /ferry command" };
  const user = payload.user;
  const event: CommentEvent = {
    kind: "comment",
    ...origin,
    repo: payload.project.path_with_namespace,
    number: mr.iid,
    ...parsed,
    commentId: note.id,
    ...(user?.username ? { author: user.username } : {}),
    ...(user?.id !== undefined ? { authorId: user.id } : {}),
  };
  return { events: [event] };
}
