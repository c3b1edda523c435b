// Webhook bodies for the end-to-end previews: GitHub's own pull_request examples
// (@octokit/webhooks-examples) and GitLab's documented merge request hook
// (test/fixtures/gitlab), with repository, branches and SHAs replaced by the test's.
import { githubExample, gitlabFixture, setGithubRepository } from "../../support/payloads.ts";

export interface PullInput {
  action: "opened" | "synchronize" | "reopened";
  repo: string;
  number: number;
  headSha: string;
  baseSha: string;
  headRef: string;
  baseRef: string;
  /** Head repository; another name makes it a fork. */
  headRepo?: string;
}

export function githubPullRequest(input: PullInput): string {
  const action = input.action === "synchronize" ? "synchronize" : "opened";
  const payload = githubExample(
    "pull_request",
    (example) => example.action === action,
    `pull_request ${action}`,
  );
  payload.action = input.action;
  payload.number = input.number;
  setGithubRepository(payload, input.repo);
  const pr = payload.pull_request as Record<string, Record<string, unknown>>;
  Object.assign(pr, { number: input.number, draft: false, merged: false, state: "open" });
  pr.html_url = `https://github.test/${input.repo}/pull/${input.number}` as never;
  pr.head = {
    ...pr.head,
    ref: input.headRef,
    sha: input.headSha,
    repo: { ...(pr.head?.repo as object), full_name: input.headRepo ?? input.repo },
  };
  pr.base = {
    ...pr.base,
    ref: input.baseRef,
    sha: input.baseSha,
    repo: { ...(pr.base?.repo as object), full_name: input.repo },
  };
  return JSON.stringify(payload);
}

export interface MergeRequestInput {
  action: "open" | "update";
  project: string;
  iid: number;
  headSha: string;
  sourceBranch: string;
  targetBranch: string;
  /** update: the previous head, which marks the update as new commits. */
  oldrev?: string;
}

export function gitlabMergeRequest(input: MergeRequestInput): string {
  const payload = gitlabFixture<Record<string, Record<string, unknown>>>("merge_request.json");
  payload.project = { ...payload.project, path_with_namespace: input.project };
  const attributes = payload.object_attributes ?? {};
  payload.object_attributes = {
    ...attributes,
    iid: input.iid,
    action: input.action,
    state: "opened",
    draft: false,
    work_in_progress: false,
    source_branch: input.sourceBranch,
    target_branch: input.targetBranch,
    source_project_id: 14,
    target_project_id: 14,
    url: `https://gitlab.test/${input.project}/-/merge_requests/${input.iid}`,
    last_commit: { ...(attributes.last_commit as object), id: input.headSha },
    ...(input.oldrev ? { oldrev: input.oldrev } : {}),
  };
  // The fixture's `changes` say the MR left draft; a plain open or push does not.
  delete payload.changes;
  return JSON.stringify(payload);
}
