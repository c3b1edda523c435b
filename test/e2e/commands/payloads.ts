// Comment webhook bodies for the command tests. GitHub: its own issue_comment example
// (@octokit/webhooks-examples) made a pull request comment as the docs describe one (an
// `issue.pull_request` object). GitLab: a Note Hook on a merge request with the fields of
// docs.gitlab.com/user/project/integrations/webhook_events/#comment-on-a-merge-request.
import { githubExample, setGithubRepository } from "../../support/payloads.ts";

export interface CommentInput {
  repo: string;
  number: number;
  commentId: number;
  body: string;
  user: string;
  userId: number;
  /** GitHub "created" | "edited"; GitLab "create" | "update". */
  action?: string;
}

export function githubIssueComment(input: CommentInput): string {
  const action = input.action ?? "created";
  const payload = githubExample(
    "issue_comment",
    (example) => example.action === action,
    `issue_comment ${action}`,
  );
  setGithubRepository(payload, input.repo);
  const issue = payload.issue as Record<string, unknown>;
  Object.assign(issue, {
    number: input.number,
    pull_request: {
      url: `https://api.github.test/repos/${input.repo}/pulls/${input.number}`,
      html_url: `https://github.test/${input.repo}/pull/${input.number}`,
      diff_url: `https://github.test/${input.repo}/pull/${input.number}.diff`,
      patch_url: `https://github.test/${input.repo}/pull/${input.number}.patch`,
      merged_at: null,
    },
  });
  const comment = payload.comment as Record<string, unknown>;
  Object.assign(comment, {
    id: input.commentId,
    body: input.body,
    user: { ...(comment.user as object), login: input.user, id: input.userId },
  });
  return JSON.stringify(payload);
}

export function gitlabNote(
  input: CommentInput & { headSha: string; sourceBranch: string; targetBranch: string },
): string {
  const now = "2026-11-26 15:00:00 UTC";
  const [namespace = "", name = ""] = input.repo.split("/");
  const user = {
    id: input.userId,
    name: input.user,
    username: input.user,
    avatar_url: null,
    email: "[REDACTED]",
  };
  return JSON.stringify({
    object_kind: "note",
    event_type: "note",
    user,
    project_id: 14,
    project: {
      id: 14,
      name,
      namespace,
      path_with_namespace: input.repo,
      web_url: `https://gitlab.test/${input.repo}`,
      default_branch: input.targetBranch,
    },
    object_attributes: {
      id: input.commentId,
      note: input.body,
      noteable_type: "MergeRequest",
      author_id: input.userId,
      created_at: now,
      updated_at: now,
      project_id: 14,
      noteable_id: 100_000 + input.number,
      system: false,
      url: `https://gitlab.test/${input.repo}/-/merge_requests/${input.number}#note_${input.commentId}`,
      action: input.action ?? "create",
    },
    merge_request: {
      id: 100_000 + input.number,
      iid: input.number,
      target_branch: input.targetBranch,
      source_branch: input.sourceBranch,
      source_project_id: 14,
      target_project_id: 14,
      author_id: input.userId,
      title: `MR ${input.number}`,
      state: "opened",
      draft: false,
      work_in_progress: false,
      url: `https://gitlab.test/${input.repo}/-/merge_requests/${input.number}`,
      last_commit: { id: input.headSha, message: "change", timestamp: now },
    },
  });
}

/**
 * A check button pressed: GitHub's own check_run.requested_action example, on the run `run`
 * (its id, commit, external_id and conclusion) by `user`.
 */
export function githubCheckAction(input: {
  repo: string;
  run: { id: number; head_sha: string; external_id: string | null; conclusion: string | null };
  identifier: string;
  user: string;
  userId: number;
}): string {
  const payload = githubExample(
    "check_run",
    (example) => example.action === "requested_action",
    "check_run requested_action",
  );
  setGithubRepository(payload, input.repo);
  Object.assign(payload.check_run as Record<string, unknown>, {
    id: input.run.id,
    head_sha: input.run.head_sha,
    external_id: input.run.external_id,
    status: "completed",
    conclusion: input.run.conclusion,
  });
  payload.requested_action = { identifier: input.identifier };
  const sender = payload.sender as Record<string, unknown>;
  Object.assign(sender, { login: input.user, id: input.userId });
  return JSON.stringify(payload);
}
