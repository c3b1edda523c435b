// Push webhook bodies for the deploy tests: GitHub's own push example
// (@octokit/webhooks-examples) and GitLab's documented Push Hook (../shared/fixtures/gitlab),
// with repository, branch and SHAs replaced by the test's.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

interface Definition {
  name: string;
  examples: Array<Record<string, unknown>>;
}

const require = createRequire(import.meta.url);
const fixtures = join(import.meta.dirname, "../../../../shared/fixtures/gitlab");

export interface PushInput {
  repo: string;
  branch: string;
  before: string;
  after: string;
  /** Paths the commits touched (their union goes in one commit entry). */
  modified?: string[];
}

function githubExample(): Record<string, unknown> {
  const definitions = require("@octokit/webhooks-examples/api.github.com/index.json") as Definition[];
  const found = definitions
    .find((definition) => definition.name === "push")
    ?.examples.find((example) => String(example.ref).startsWith("refs/heads/") && !example.deleted);
  if (!found) throw new Error("no push example");
  return structuredClone(found);
}

export function githubPush(input: PushInput): string {
  const payload = githubExample();
  const [sample = {}] = payload.commits as Array<Record<string, unknown>>;
  const commit = { ...sample, id: input.after, added: [], removed: [], modified: input.modified ?? [] };
  const [owner = "", name = ""] = input.repo.split("/");
  const repository = payload.repository as Record<string, unknown>;
  Object.assign(repository, {
    full_name: input.repo,
    name,
    owner: { ...(repository.owner as object), login: owner },
  });
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
  const payload = JSON.parse(readFileSync(join(fixtures, "push.json"), "utf8")) as Record<string, unknown>;
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
