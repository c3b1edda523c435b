// Who caused a deploy, as the history keeps it: commands and the command line from the job, a
// push from the change request it merged (author and merger read from the forge fakes), polls
// and heals as reconcile; a forge that fails leaves the pusher instead of failing the deploy.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deployCause } from "../../../src/deploy/cause.ts";
import { createForge, type Forge } from "../../../src/forges/index.ts";
import { createLogger } from "../../../src/observability/logger.ts";
import { describeCause } from "../../../src/report/index.ts";
import { FakeGithub, serverError } from "../../support/fakes/github.ts";
import { FakeGitlab } from "../../support/fakes/gitlab.ts";

const logger = createLogger({ level: "silent" });
const merged = "9".repeat(40);

describe("deployCause", () => {
  let github: FakeGithub;
  let gitlab: FakeGitlab;
  let forges: { github: Forge; gitlab: Forge };

  beforeEach(async () => {
    [github, gitlab] = await Promise.all([FakeGithub.start(), FakeGitlab.start()]);
    const fast = { retries: 1, retryUnitMs: 1, writeIntervalMs: 0 };
    forges = {
      github: createForge(
        {
          name: "gh",
          type: "github",
          apiUrl: github.url,
          token: github.token,
          insecureAcceptUnsigned: false,
        },
        fast,
      ),
      gitlab: createForge(
        { name: "gl", type: "gitlab", url: gitlab.url, token: gitlab.token, insecureAcceptUnsigned: false },
        fast,
      ),
    };
  });

  afterEach(async () => {
    github.assertNoUnexpected();
    gitlab.assertNoUnexpected();
    await Promise.all([github.close(), gitlab.close()]);
  });

  const source = (forge: Forge, repo: string) => ({ forge, repo, revision: merged, logger });

  it("traces a push to its merged pull request, author and merger (GitHub)", async () => {
    github.seedPull("acme/deploy", {
      number: 12,
      headSha: "f".repeat(40),
      state: "closed",
      mergedAt: "2026-01-01T00:00:00Z",
      commits: [merged],
      author: "alice",
      mergedBy: "bob",
    });
    const cause = await deployCause(
      { app: "web", reason: "webhook", author: "pusher" },
      source(forges.github, "acme/deploy"),
    );
    expect(cause).toEqual({
      kind: "changeRequest",
      number: 12,
      author: "alice",
      mergedBy: "bob",
      url: "https://github.test/acme/deploy/pull/12",
    });
    expect(describeCause(cause)).toBe("change request 12 by alice, merged by bob");
  });

  it("traces a push to its merged merge request (GitLab)", async () => {
    gitlab.seedMergeRequest("group/deploy", {
      iid: 4,
      sha: "f".repeat(40),
      state: "merged",
      commits: [merged],
      author: "carol",
      mergedBy: "dave",
    });
    const cause = await deployCause({ app: "web", reason: "webhook" }, source(forges.gitlab, "group/deploy"));
    expect(cause).toMatchObject({ kind: "changeRequest", number: 4, author: "carol", mergedBy: "dave" });
  });

  it("names the pusher when no change request merged the commit, or the forge fails", async () => {
    const job = { app: "web", reason: "webhook" as const, author: "pusher" };
    expect(await deployCause(job, source(forges.github, "acme/deploy"))).toEqual({
      kind: "push",
      user: "pusher",
    });
    github.inject("commitPulls", 2, serverError());
    expect(await deployCause(job, source(forges.github, "acme/deploy"))).toEqual({
      kind: "push",
      user: "pusher",
    });
    expect(describeCause({ kind: "push", user: "pusher" })).toBe("push by pusher");
  });

  it("takes commands, the command line and reconcile from the job without asking the forge", async () => {
    const src = source(forges.github, "acme/deploy");
    const command = await deployCause(
      { app: "web", reason: "manual", author: "alice", changeRequest: 5, force: true },
      src,
    );
    expect(command).toEqual({ kind: "command", user: "alice", changeRequest: 5, force: true });
    expect(describeCause(command)).toBe("/ferry sync --force by alice on change request 5");
    expect(await deployCause({ app: "web", reason: "manual" }, src)).toEqual({ kind: "cli" });
    for (const reason of ["poll", "selfHeal", "rollback"] as const)
      expect(await deployCause({ app: "web", reason }, src)).toEqual({ kind: "reconcile" });
    expect(github.calls).toEqual([]);
  });
});
