// Webhook bodies for end-to-end tests start from the forges' own examples: GitHub's from
// @octokit/webhooks-examples, GitLab's in test/fixtures/gitlab (written here after GitLab's
// webhook events documentation). Each test then replaces repository, branches and SHAs.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

interface Definition {
  name: string;
  examples: Array<Record<string, unknown>>;
}

const require = createRequire(import.meta.url);
const gitlabFixtures = join(import.meta.dirname, "../fixtures/gitlab");

/** A copy of the first GitHub example of `event` that `matches`; `what` names it in the error. */
export function githubExample(
  event: string,
  matches: (example: Record<string, unknown>) => boolean,
  what: string,
): Record<string, unknown> {
  const definitions = require("@octokit/webhooks-examples/api.github.com/index.json") as Definition[];
  const found = definitions.find((definition) => definition.name === event)?.examples.find(matches);
  if (!found) throw new Error(`no ${what} example`);
  return structuredClone(found);
}

/** Points a GitHub payload's `repository` at `owner/name`. */
export function setGithubRepository(payload: Record<string, unknown>, repo: string): void {
  const [owner = "", name = ""] = repo.split("/");
  const repository = payload.repository as Record<string, unknown>;
  Object.assign(repository, {
    full_name: repo,
    name,
    owner: { ...(repository.owner as object), login: owner },
  });
}

/** A fresh parse of one of GitLab's documented hook bodies (e.g. `push.json`). */
export function gitlabFixture<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(join(gitlabFixtures, file), "utf8")) as T;
}
