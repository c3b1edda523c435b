// `/ferry sync` on a GitHub pull request, end to end (signed issue_comment webhooks, the command
// and sync workers, the fake GitHub, the control plane): a reader is refused with one reply
// naming the permission and nothing reaches the cluster; a writer deploys only the apps the
// pull request touches (not the `auto: false` one), and the history names the commenter; an
// edited comment does nothing.
import { describe, expect, it } from "vitest";
import { readHistory } from "../../../src/sync/history.ts";
import { commandSetup, deployed, expectNoSyncJobs, type CommandSetup } from "./fixtures.ts";
import { githubIssueComment } from "./payloads.ts";

const NUMBER = 5;

function seedPull(s: CommandSetup): void {
  s.harness.github.seedPull(s.project, {
    number: NUMBER,
    headSha: s.head,
    headRef: s.headRef,
    baseRef: "main",
    baseSha: s.main,
    author: "octo-author",
  });
}

async function comment(s: CommandSetup, user: string, body: string, action = "created") {
  const commentId = s.harness.github.seedUserComment(s.project, NUMBER, user, body);
  const payload = githubIssueComment({
    repo: s.project,
    number: NUMBER,
    commentId,
    body,
    user,
    userId: 42,
    action,
  });
  return { commentId, answer: await s.harness.postGithub("issue_comment", payload) };
}

const ferryReplies = (s: CommandSetup) => s.harness.github.commentsBy(s.project, NUMBER, "ferry-bot");

describe("/ferry sync on GitHub", () => {
  it("refuses a reader with one reply naming write, and deploys nothing", async () => {
    const s = await commandSetup("github");
    seedPull(s);
    s.harness.github.seedCollaborator(s.project, "reader", "read");

    const { answer } = await comment(s, "reader", "/ferry sync");
    expect(answer.status).toBe(202);
    expect(await s.commands.finished(answer.jobs)).toEqual([
      { result: "refused", permission: "read", required: "write" },
    ]);

    const replies = ferryReplies(s);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.body).toContain("`/ferry sync` needs **write** permission");
    expect(replies[0]?.body).toContain("@reader has **read**");
    expect(s.harness.github.reactions).toEqual([]);
    await expectNoSyncJobs(s);
    expect(await deployed(s)).toEqual([]);
    // Refused before any change request or git work: only the permission was asked.
    expect(s.harness.github.callsTo("getPull")).toHaveLength(0);
    s.harness.github.assertNoUnexpected();
  });

  it("deploys only the pull request's apps for a writer, and the history names the commenter", async () => {
    const s = await commandSetup("github");
    seedPull(s);
    s.harness.github.seedCollaborator(s.project, "writer", "write");

    const { answer, commentId } = await comment(s, "writer", "Looks right.\n/ferry sync");
    expect(answer.status).toBe(202);
    const [outcome] = await s.commands.finished(answer.jobs);
    expect(outcome).toMatchObject({
      result: "accepted",
      apps: [s.apps.web.name],
      skipped: [`${s.apps.manual.name}: commands may not deploy it (commands.allow)`],
    });
    expect(s.harness.github.reactions).toEqual([
      { repo: s.project, commentId, content: "+1", login: "ferry-bot" },
    ]);
    const runs = await s.harness.finished(outcome?.result === "accepted" ? outcome.jobs : []);
    expect(runs).toMatchObject([{ result: "succeeded", app: s.apps.web.name, revision: s.main }]);
    expect(await deployed(s)).toEqual(["web"]);

    const [record] = await readHistory(s.harness.runtime.redis, s.harness.runtime.prefix, s.apps.web.name);
    expect(record).toMatchObject({
      revision: s.main,
      trigger: "manual",
      author: "writer",
      changeRequest: NUMBER,
    });
    const response = await fetch(`${s.harness.url}/api/apps/${s.apps.web.name}`);
    const detail = (await response.json()) as { deployments: Array<{ cause?: unknown }> };
    expect(detail.deployments[0]?.cause).toEqual({ kind: "command", user: "writer", changeRequest: NUMBER });
    // One reply says what was left out and why; the deploy note follows on the same pull request.
    const replies = ferryReplies(s).map((c) => c.body);
    expect(replies.filter((body) => body.includes("commands may not deploy it"))).toHaveLength(1);
    expect(replies.some((body) => body.includes(`Deployed **${s.apps.web.name}**`))).toBe(true);
    s.harness.github.assertNoUnexpected();
  });

  it("ignores an edited comment, even from a writer", async () => {
    const s = await commandSetup("github");
    seedPull(s);
    s.harness.github.seedCollaborator(s.project, "writer", "write");

    const { answer } = await comment(s, "writer", "/ferry sync", "edited");
    expect(answer).toEqual({ status: 200, jobs: [] });
    await expectNoSyncJobs(s);
    expect(await deployed(s)).toEqual([]);
    expect(s.harness.github.calls).toEqual([]);
  });
});
