// Push webhook bodies for the deploy tests: GitHub's own push example
// (@octokit/webhooks-examples) and GitLab's documented Push Hook (test/fixtures/gitlab),
// with repository, branch and SHAs replaced by the test's.
import { githubExample, gitlabFixture, setGithubRepository } from "../../support/payloads.ts";

export interface PushInput {
  repo: string;
  branch: string;
  before: string;
  after: string;
  /** Paths the commits touched (their union goes in one commit entry). */
  modified?: string[];
}

export function githubPush(input: PushInput): string {
  const payload = githubExample(
    "push",
    (example) => String(example.ref).startsWith("refs/heads/") && !example.deleted,
    "push",
  );
  const [sample = {}] = payload.commits as Array<Record<string, unknown>>;
  const commit = { ...sample, id: input.after, added: [], removed: [], modified: input.modified ?? [] };
  setGithubRepository(payload, input.repo);
  Object.assign(payload, {
    ref: `refs/heads/${input.branch}`,
    before: input.before,
    after: input.after,
    created: false,
    deleted: false,
    forced: false,
    commits: [commit],
    head_commit: commit,
  });
  return JSON.stringify(payload);
}

export function gitlabPush(input: PushInput): string {
  const payload = gitlabFixture("push.json");
  payload.project = { ...(payload.project as object), path_with_namespace: input.repo };
  Object.assign(payload, {
    ref: `refs/heads/${input.branch}`,
    before: input.before,
    after: input.after,
    checkout_sha: input.after,
    commits: [{ id: input.after, added: [], removed: [], modified: input.modified ?? [] }],
    total_commits_count: 1,
  });
  return JSON.stringify(payload);
}
