// `/ferry sync` on a GitLab merge request, end to end (Note Hooks, the command and sync workers,
// the fake GitLab, the control plane): a Reporter is refused with one note naming Developer; a
// Developer (by inherited membership, as members/all reports it) deploys only the MR's apps; an
// edited note does nothing; a revision pinned as bad is applied again only with --force, and
// the history records who forced it.
import { describe, expect, it } from "vitest";
import { markBadRevision, readHistory } from "../../../src/sync/history.ts";
import { commandSetup, deployed, expectNoSyncJobs, type CommandSetup } from "./fixtures.ts";
import { gitlabNote } from "./payloads.ts";

const IID = 8;
const REPORTER = { username: "rita", id: 201 };
const DEVELOPER = { username: "dev", id: 202 };

function seed(s: CommandSetup): void {
  s.harness.gitlab.seedMergeRequest(s.project, {
    iid: IID,
    sha: s.head,
    sourceBranch: s.headRef,
    targetBranch: "main",
    baseSha: s.main,
    author: "mr-author",
  });
  s.harness.gitlab.seedMember(s.project, { ...REPORTER, accessLevel: 20 });
  s.harness.gitlab.seedMember(s.project, { ...DEVELOPER, accessLevel: 30 });
}

async function note(
  s: CommandSetup,
  user: { username: string; id: number },
  body: string,
  action = "create",
) {
  const commentId = s.harness.gitlab.seedUserNote(s.project, IID, user.username, body);
  const payload = gitlabNote({
    repo: s.project,
    number: IID,
    commentId,
    body,
    user: user.username,
    userId: user.id,
    action,
    headSha: s.head,
    sourceBranch: s.headRef,
    targetBranch: "main",
  });
  return { commentId, answer: await s.harness.postGitlab("Note Hook", payload) };
}

const ferryNotes = (s: CommandSetup) => s.harness.gitlab.notesBy(s.project, IID, "ferry-bot");

async function syncBy(s: CommandSetup, body: string) {
  const { answer, commentId } = await note(s, DEVELOPER, body);
  expect(answer.status).toBe(202);
  const [outcome] = await s.commands.finished(answer.jobs);
  if (outcome?.result !== "accepted") throw new Error(`command not accepted: ${JSON.stringify(outcome)}`);
  return { outcome, commentId, runs: await s.harness.finished(outcome.jobs) };
}

describe("/ferry sync on GitLab", () => {
  it("refuses a Reporter with one note naming developer, and deploys nothing", async () => {
    const s = await commandSetup("gitlab");
    seed(s);

    const { answer } = await note(s, REPORTER, "/ferry sync");
    expect(answer.status).toBe(202);
    expect(await s.commands.finished(answer.jobs)).toEqual([
      { result: "refused", permission: "reporter", required: "developer" },
    ]);
    const notes = ferryNotes(s);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.body).toContain("`/ferry sync` needs **developer** permission");
    expect(s.harness.gitlab.awards).toEqual([]);
    await expectNoSyncJobs(s);
    expect(await deployed(s)).toEqual([]);
    s.harness.gitlab.assertNoUnexpected();
  });

  it("deploys only the MR's apps for a Developer and acknowledges the note", async () => {
    const s = await commandSetup("gitlab");
    seed(s);

    const { outcome, commentId, runs } = await syncBy(s, "/ferry sync");
    expect(outcome.apps).toEqual([s.apps.web.name]);
    expect(s.harness.gitlab.awards).toEqual([
      { project: s.project, iid: IID, noteId: commentId, name: "thumbsup" },
    ]);
    expect(runs).toMatchObject([{ result: "succeeded", app: s.apps.web.name, revision: s.main }]);
    expect(await deployed(s)).toEqual(["web"]);
    const [record] = await readHistory(s.harness.runtime.redis, s.harness.runtime.prefix, s.apps.web.name);
    expect(record).toMatchObject({ trigger: "manual", author: DEVELOPER.username, changeRequest: IID });
    s.harness.gitlab.assertNoUnexpected();
  });

  it("ignores an edited note, even from a Developer", async () => {
    const s = await commandSetup("gitlab");
    seed(s);

    const { answer } = await note(s, DEVELOPER, "/ferry sync", "update");
    expect(answer).toEqual({ status: 200, jobs: [] });
    await expectNoSyncJobs(s);
    expect(await deployed(s)).toEqual([]);
    expect(s.harness.gitlab.calls).toEqual([]);
  });

  it("re-applies a revision pinned as bad only with --force, and records who forced it", async () => {
    const s = await commandSetup("gitlab");
    seed(s);
    await markBadRevision(s.harness.runtime.redis, s.harness.runtime.prefix, s.apps.web.name, s.main);

    const plain = await syncBy(s, "/ferry sync");
    expect(plain.runs).toMatchObject([{ result: "skipped", reason: "HeldBack", revision: s.main }]);
    expect(plain.runs[0]).toMatchObject({ message: expect.stringContaining("--force") as unknown });
    expect(await deployed(s)).toEqual([]);

    const forced = await syncBy(s, "/ferry sync --force");
    expect(forced.runs).toMatchObject([{ result: "succeeded", revision: s.main }]);
    expect(await deployed(s)).toEqual(["web"]);
    const [record] = await readHistory(s.harness.runtime.redis, s.harness.runtime.prefix, s.apps.web.name);
    expect(record).toMatchObject({
      result: "succeeded",
      cause: { kind: "command", user: DEVELOPER.username, changeRequest: IID, force: true },
    });
    s.harness.gitlab.assertNoUnexpected();
  });
});
