import type {
  ChangeRequestHead,
  ChangeRequestAction,
  ChangeRequestEvent,
  NormalizedDelivery as Normalized,
  PushEvent,
} from "../types.ts";
import { parseCommand } from "../commands.ts";
import { parsePayload } from "../schema-errors.ts";
import {
  checkRunPayloadSchema,
  checkSuitePayloadSchema,
  issueCommentPayloadSchema,
  pingPayloadSchema,
  pullRequestPayloadSchema,
  pushPayloadSchema,
  type CheckPullRequest,
  type CheckRunPayload,
  type PullRequestPayload,
} from "./schema.ts";

interface Origin {
  forge: string;
  deliveryId: string;
}

export function normalizePush(body: unknown, origin: Origin): Normalized {
  const push = parsePayload(pushPayloadSchema, body, "push");
  if (!push.ref.startsWith("refs/heads/"))
    return { events: [], ignored: `push to ${push.ref} is not a branch` };
  const event: PushEvent = {
    kind: "push",
    ...origin,
    repo: push.repository.full_name,
    branch: push.ref.slice("refs/heads/".length),
    before: push.before,
    after: push.after,
    created: push.created,
    deleted: push.deleted,
    forced: push.forced,
    ...(push.pusher?.name ? { pusher: push.pusher.name } : {}),
  };
  return { events: [event] };
}

function pullRequestAction(payload: PullRequestPayload): ChangeRequestAction | undefined {
  switch (payload.action) {
    case "opened":
      return "opened";
    case "synchronize":
      return "updated";
    case "reopened":
      return "reopened";
    case "ready_for_review":
      return "ready";
    case "closed":
      return payload.pull_request.merged ? "merged" : "closed";
    default:
      return undefined;
  }
}

export function normalizePullRequest(body: unknown, origin: Origin): Normalized {
  const payload = parsePayload(pullRequestPayloadSchema, body, "pull_request");
  const action = pullRequestAction(payload);
  if (!action) return { events: [], ignored: `pull_request action "${payload.action}" needs no preview` };
  const { head, base } = payload.pull_request;
  const repo = payload.repository.full_name;
  const event: ChangeRequestEvent = {
    kind: "changeRequest",
    ...origin,
    repo,
    number: payload.number,
    action,
    headSha: head.sha,
    baseSha: base.sha,
    headRef: head.ref,
    baseRef: base.ref,
    isFork: head.repo?.full_name.toLowerCase() !== repo.toLowerCase(),
    draft: payload.pull_request.draft,
    merged: payload.pull_request.merged === true,
    ...(payload.pull_request.merge_commit_sha ? { mergeSha: payload.pull_request.merge_commit_sha } : {}),
    ...(payload.pull_request.user?.login ? { author: payload.pull_request.user.login } : {}),
    ...(payload.pull_request.html_url ? { url: payload.pull_request.html_url } : {}),
  };
  return { events: [event] };
}

export function normalizeIssueComment(body: unknown, origin: Origin): Normalized {
  const payload = parsePayload(issueCommentPayloadSchema, body, "issue_comment");
  // Only a new comment runs a command: an edit ("edited") never runs one again.
  if (payload.action !== "created")
    return { events: [], ignored: `issue_comment action "${payload.action}"` };
  if (!payload.issue.pull_request) return { events: [], ignored: "comment on an issue, not a pull request" };
  const parsed = parseCommand(payload.comment.body ?? "");
  if (!parsed) return { events: [], ignored: "comment has no /ferry command" };
  const user = payload.comment.user;
  return {
    events: [
      {
        kind: "comment",
        ...origin,
        repo: payload.repository.full_name,
        number: payload.issue.number,
        ...parsed,
        commentId: payload.comment.id,
        ...(user ? { author: user.login } : {}),
        ...(user?.id !== undefined ? { authorId: user.id } : {}),
      },
    ],
  };
}

export function normalizePing(body: unknown, origin: Origin): Normalized {
  const payload = parsePayload(pingPayloadSchema, body, "ping");
  return { events: [{ kind: "ping", ...origin, repo: payload.repository?.full_name ?? "" }] };
}

function heads(pulls: CheckPullRequest[]): ChangeRequestHead[] {
  return pulls.map((pull) => ({
    number: pull.number,
    headSha: pull.head.sha,
    headRef: pull.head.ref,
    baseRef: pull.base.ref,
  }));
}

/**
 * "Re-run" on one of Ferry's check runs: its external_id says what it reported
 * (`preview:<number>` or `deploy:<app>`, see src/preview/checks.ts and src/deploy/feedback.ts).
 */
export function normalizeCheckRun(body: unknown, origin: Origin): Normalized {
  const payload = parsePayload(checkRunPayloadSchema, body, "check_run");
  if (payload.action === "requested_action") return checkAction(payload, origin);
  if (payload.action !== "rerequested")
    return { events: [], ignored: `check_run action "${payload.action}"` };
  const run = payload.check_run;
  const [what, subject = ""] = (run.external_id ?? "").split(/:(.*)/s);
  const repo = payload.repository.full_name;
  if (what === "deploy" && subject !== "")
    return {
      events: [
        { kind: "rerun", ...origin, repo, target: { type: "deploy", app: subject, sha: run.head_sha } },
      ],
    };
  if (what !== "preview") return { events: [], ignored: "not a check run of Ferry's" };
  const pulls = run.pull_requests.filter((pull) => String(pull.number) === subject);
  return {
    events: [{ kind: "rerun", ...origin, repo, target: { type: "preview", changeRequests: heads(pulls) } }],
  };
}

/**
 * A button of one of Ferry's runs: "Sync now" (identifier `sync`, see SYNC_NOW in
 * src/deploy/feedback.ts) on a `deploy:<app>` run. Who pressed it is the sender.
 */
function checkAction(payload: CheckRunPayload, origin: Origin): Normalized {
  const run = payload.check_run;
  const [what, app = ""] = (run.external_id ?? "").split(/:(.*)/s);
  const identifier = payload.requested_action?.identifier;
  if (what !== "deploy" || app === "" || identifier !== "sync" || run.id === undefined)
    return { events: [], ignored: "not a Sync now button of a Ferry deploy check" };
  const sender = payload.sender;
  return {
    events: [
      {
        kind: "checkAction",
        ...origin,
        repo: payload.repository.full_name,
        action: "sync",
        app,
        checkRunId: run.id,
        conclusion: run.conclusion,
        ...(sender ? { author: sender.login } : {}),
        ...(sender?.id !== undefined ? { authorId: sender.id } : {}),
      },
    ],
  };
}

/** "Re-run all checks": the previews of the pull requests whose head the suite is on. */
export function normalizeCheckSuite(body: unknown, origin: Origin): Normalized {
  const payload = parsePayload(checkSuitePayloadSchema, body, "check_suite");
  if (payload.action !== "rerequested")
    return { events: [], ignored: `check_suite action "${payload.action}"` };
  const changeRequests = heads(payload.check_suite.pull_requests);
  if (changeRequests.length === 0) return { events: [], ignored: "the check suite is on no pull request" };
  return {
    events: [
      {
        kind: "rerun",
        ...origin,
        repo: payload.repository.full_name,
        target: { type: "preview", changeRequests },
      },
    ],
  };
}
