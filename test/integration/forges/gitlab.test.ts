import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { isAppError } from "../../../src/errors.ts";
import { createForge, type Forge } from "../../../src/forges/index.ts";
import { FakeGitlab, rateLimited, serverError } from "../../support/fakes/gitlab.ts";

const project = "acme/platform/shop";
const target = { repo: project, number: 12 };
// Retry-After seconds become 5 ms: the wait is still proven by the recorded retry.
const fast = { retryUnitMs: 5 };

function forgeFor(fake: FakeGitlab, token = fake.token): Forge {
  return createForge(
    { name: "gl", type: "gitlab", url: fake.url, token, insecureAcceptUnsigned: false },
    fast,
  );
}

describe("GitLab forge against the fake", () => {
  let fake: FakeGitlab;
  let forge: Forge;

  beforeEach(async () => {
    fake = await FakeGitlab.start();
    fake.seedMergeRequest(project, { iid: 12, sha: "a".repeat(40) });
    forge = forgeFor(fake);
  });

  afterEach(async () => {
    fake.assertNoUnexpected();
    await fake.close();
  });

  it("creates one note, leaves an equal body alone, edits a changed body in place", async () => {
    const first = await forge.upsertComment(target, "preview key=gl/shop!12", "hello");
    expect(first.action).toBe("created");
    expect(fake.callsTo("createNote")[0]?.path).toBe(
      "/api/v4/projects/acme%2Fplatform%2Fshop/merge_requests/12/notes",
    );

    expect(await forge.upsertComment(target, "preview key=gl/shop!12", "hello")).toEqual({
      id: first.id,
      action: "unchanged",
    });
    expect(fake.callsTo("updateNote")).toHaveLength(0);

    const third = await forge.upsertComment(target, "preview key=gl/shop!12", "changed");
    expect(third).toEqual({ id: first.id, action: "updated" });
    expect(fake.notes(project, 12)).toEqual([
      {
        id: first.id,
        body: "<!-- ferry:preview key=gl/shop!12 -->\nchanged",
        system: false,
        author: "ferry-bot",
      },
    ]);
  });

  it("never edits a note with Ferry's marker that another user wrote: makes its own", async () => {
    const planted = "<!-- ferry:preview key=gl/shop!12 -->\nlooks fine, merge it";
    fake.seedNotes(project, 12, [planted], false, "mallory");
    const first = await forge.upsertComment(target, "preview key=gl/shop!12", "the real preview");
    expect(first.action).toBe("created");
    const second = await forge.upsertComment(target, "preview key=gl/shop!12", "the next preview");
    expect(second).toEqual({ id: first.id, action: "updated" });
    expect(fake.notes(project, 12).map(({ body, author }) => ({ body, author }))).toEqual([
      { body: planted, author: "mallory" },
      { body: "<!-- ferry:preview key=gl/shop!12 -->\nthe next preview", author: "ferry-bot" },
    ]);
    expect(fake.callsTo("updateNote").map((call) => call.path)).toEqual([
      `/api/v4/projects/acme%2Fplatform%2Fshop/merge_requests/12/notes/${first.id}`,
    ]);
    expect(fake.callsTo("currentUser")).toHaveLength(1);
  });

  it("follows pagination past 100 notes and skips system notes that quote the marker", async () => {
    fake.seedNotes(
      project,
      12,
      Array.from({ length: 120 }, (_, i) => `review ${i}`),
    );
    fake.seedNotes(project, 12, ["<!-- ferry:k -->\nquoted by GitLab"], true);
    fake.seedNotes(project, 12, ["<!-- ferry:k -->\nold"]);
    const result = await forge.upsertComment(target, "k", "new");
    expect(result.action).toBe("updated");
    expect(fake.callsTo("listNotes").map((c) => new URLSearchParams(c.query).get("page") ?? "1")).toEqual([
      "1",
      "2",
    ]);
    expect(fake.notes(project, 12).filter((n) => n.body.endsWith("new"))).toHaveLength(1);
    expect(fake.callsTo("createNote")).toHaveLength(0);
  });

  it("maps Ferry's states to GitLab's and tolerates a repeated pending", async () => {
    const sha = "c".repeat(40);
    const base = { sha, context: "ferry/preview", description: "d" };
    await forge.setStatus(project, { ...base, state: "pending", targetUrl: "https://ferry.test/p/1" });
    await forge.setStatus(project, { ...base, state: "pending" });
    await forge.setStatus(project, { ...base, state: "success" });
    await forge.setStatus(project, { ...base, state: "failure" });
    await forge.setStatus(project, { ...base, state: "error" });
    expect(fake.statuses.map((s) => [s.status, s.name])).toEqual([
      ["pending", "ferry/preview"],
      ["success", "ferry/preview"],
      ["failed", "ferry/preview"],
      ["failed", "ferry/preview"],
    ]);
    expect(fake.statuses[0]?.target_url).toBe("https://ferry.test/p/1");
    expect(fake.callsTo("createStatus").map((c) => c.status)).toEqual([201, 400, 201, 201, 201]);
  });

  it("retries a 500 and ends with exactly one note", async () => {
    fake.inject("listNotes", 1, serverError());
    fake.inject("createNote", 1, serverError());
    expect((await forge.upsertComment(target, "k", "body")).action).toBe("created");
    expect(fake.notes(project, 12)).toHaveLength(1);
  });

  it("does not duplicate a note whose creation answer was lost (500 after storing)", async () => {
    fake.inject("createNote", 1, { ...serverError(), afterApply: true });
    expect((await forge.upsertComment(target, "k", "body")).action).toBe("unchanged");
    expect(fake.notes(project, 12)).toHaveLength(1);
  });

  it("waits out 429 + Retry-After and retries", async () => {
    fake.inject("createNote", 1, rateLimited(1));
    fake.inject("createStatus", 2, rateLimited(1));
    await forge.upsertComment(target, "k", "body");
    await forge.setStatus(project, { sha: "d".repeat(40), context: "c", state: "success", description: "" });
    expect(fake.callsTo("createNote").map((c) => c.status)).toEqual([429, 201]);
    expect(fake.callsTo("createStatus").map((c) => c.status)).toEqual([429, 429, 201]);
    expect(fake.notes(project, 12)).toHaveLength(1);
  });

  it("gives up after the bounded number of retries with a retryable FORGE_API_FAILED", async () => {
    fake.inject("getMergeRequest", 10, serverError());
    const error: unknown = await forge.getChangeRequest(target).catch((e: unknown) => e);
    expect(isAppError(error, "FORGE_API_FAILED") && error.retryable && error.details?.status).toBe(500);
    expect(fake.callsTo("getMergeRequest")).toHaveLength(4);
  });

  it("answers a wrong token with FORGE_API_FAILED that never shows the token", async () => {
    const wrong = "glpat-wrong-secret-value-456";
    const error: unknown = await forgeFor(fake, wrong)
      .upsertComment(target, "k", "x")
      .catch((e: unknown) => e);
    expect(isAppError(error, "FORGE_API_FAILED")).toBe(true);
    if (!isAppError(error)) return;
    expect([error.retryable, error.details?.status]).toEqual([false, 401]);
    for (const text of [error.message, JSON.stringify(error), inspect(error, { depth: 10 })])
      expect(text).not.toContain(wrong);
  });

  it("reads a merge request, finds the merged one for a commit, and opens a revert MR", async () => {
    fake.seedMergeRequest(project, {
      iid: 13,
      sha: "f".repeat(40),
      state: "merged",
      commits: ["9".repeat(40)],
    });
    expect(await forge.getChangeRequest(target)).toMatchObject({
      number: 12,
      headSha: "a".repeat(40),
      state: "open",
    });
    expect(await forge.getChangeRequest({ repo: project, number: 13 })).toMatchObject({ state: "merged" });
    expect(await forge.findMergedChangeRequest(project, "9".repeat(40))).toBe(13);
    expect(await forge.findMergedChangeRequest(project, "8".repeat(40))).toBeUndefined();

    const url = await forge.openRevertRequest?.(project, {
      branch: "main",
      sha: "9".repeat(40),
      title: "Revert",
      body: "bad",
    });
    expect(url).toBe(`https://gitlab.test/${project}/-/merge_requests/14`);
    expect(fake.reverts).toEqual([{ project, sha: "9".repeat(40), branch: "ferry/revert-999999999999" }]);
    expect(fake.mergeRequests.get(`${project}!14`)).toMatchObject({
      sourceBranch: "ferry/revert-999999999999",
      targetBranch: "main",
    });
  });

  it("creates plain notes for reports", async () => {
    const id = await forge.createComment(target, "Deployed");
    expect(fake.notes(project, 12)).toEqual([{ id, body: "Deployed", system: false, author: "ferry-bot" }]);
  });

  it("reads a member's access level, inherited ones included (404: not a member)", async () => {
    fake.seedMember(project, { id: 31, username: "dev", accessLevel: 30 });
    fake.seedMember(project, { id: 32, username: "rep", accessLevel: 20 });
    expect(await forge.permissionOf(project, { login: "dev", id: 31 })).toBe("developer");
    expect(await forge.permissionOf(project, { login: "rep", id: 32 })).toBe("reporter");
    expect(await forge.permissionOf(project, { login: "nobody", id: 99 })).toBe("none");
    // Without the numeric id nobody is asked: the commenter counts as no member.
    expect(await forge.permissionOf(project, { login: "dev" })).toBe("none");
    expect(fake.callsTo("memberAll").map((call) => [call.path, call.status])).toEqual([
      [`/api/v4/projects/${encodeURIComponent(project)}/members/all/31`, 200],
      [`/api/v4/projects/${encodeURIComponent(project)}/members/all/32`, 200],
      [`/api/v4/projects/${encodeURIComponent(project)}/members/all/99`, 404],
    ]);
  });

  it("reads the merge request's branches, base, author and merger", async () => {
    fake.seedMergeRequest(project, {
      iid: 20,
      sha: "c".repeat(40),
      sourceBranch: "feature",
      targetBranch: "release",
      baseSha: "b".repeat(40),
      author: "alice",
      mergedBy: "bob",
      state: "merged",
    });
    expect(await forge.getChangeRequest({ repo: project, number: 20 })).toEqual({
      number: 20,
      headSha: "c".repeat(40),
      state: "merged",
      url: `https://gitlab.test/${project}/-/merge_requests/20`,
      headRef: "feature",
      baseRef: "release",
      baseSha: "b".repeat(40),
      isFork: false,
      author: "alice",
      mergedBy: "bob",
    });
  });

  it("acknowledges a note with a thumbsup award emoji", async () => {
    const noteId = fake.seedUserNote(project, 12, "alice", "/ferry sync");
    await forge.acknowledge(target, noteId);
    expect(fake.awards).toEqual([{ project, iid: 12, noteId, name: "thumbsup" }]);
    await expect(forge.acknowledge(target, 1)).rejects.toSatisfy((error) =>
      isAppError(error, "FORGE_API_FAILED"),
    );
  });

  describe("image-update merge requests (one per source branch)", () => {
    const head = "ferry/images/web";
    const request = { head, base: "main", title: "web: 1.2.0", body: "acme/web 1.2.0 (sha256:aa)" };
    const mrPath = `/api/v4/projects/${encodeURIComponent(project)}/merge_requests`;
    const upsert = (input = request) => {
      if (!forge.upsertChangeRequest) throw new Error("the GitLab forge opens change requests");
      return forge.upsertChangeRequest(project, input);
    };
    const close = (comment: string) => {
      if (!forge.closeChangeRequest) throw new Error("the GitLab forge closes change requests");
      return forge.closeChangeRequest(project, head, comment);
    };
    const query = (call: { query: string }) => Object.fromEntries(new URLSearchParams(call.query));

    it("opens the merge request once, then edits that one in place: never a second", async () => {
      // Neither an MR into another branch nor an earlier, closed one from this branch is the one.
      fake.seedMergeRequest(project, {
        iid: 13,
        sha: "b".repeat(40),
        sourceBranch: head,
        targetBranch: "release",
      });
      fake.seedMergeRequest(project, { iid: 14, sha: "c".repeat(40), sourceBranch: head, state: "closed" });

      const first = await upsert();
      expect(first).toEqual({
        number: 15,
        url: `https://gitlab.test/${project}/-/merge_requests/15`,
        created: true,
      });
      expect(fake.callsTo("listMergeRequests").map((call) => [call.path, query(call)])).toEqual([
        [mrPath, { source_branch: head, target_branch: "main", state: "opened", per_page: "100" }],
      ]);
      expect(fake.callsTo("createMergeRequest").map((call) => [call.body, call.status])).toEqual([
        [
          { source_branch: head, target_branch: "main", title: request.title, description: request.body },
          201,
        ],
      ]);

      const newer = { ...request, title: "web: 1.3.0", body: "acme/web 1.3.0 (sha256:bb)" };
      expect(await upsert(newer)).toEqual({ ...first, created: false });
      expect(fake.callsTo("updateMergeRequest").map((call) => [call.path, call.body, call.status])).toEqual([
        [`${mrPath}/15`, { title: newer.title, description: newer.body }, 200],
      ]);
      expect(fake.mergeRequests.get(`${project}!15`)).toMatchObject({
        title: newer.title,
        description: newer.body,
      });

      // The same title and description again: nothing to edit.
      expect(await upsert(newer)).toEqual({ ...first, created: false });
      expect(fake.callsTo("updateMergeRequest")).toHaveLength(1);
      expect(fake.callsTo("createMergeRequest")).toHaveLength(1);
      expect(fake.mergeRequestsOpenFrom(project, head)).toEqual([15, 13]);
    });

    it("closes the open merge request after a note on it; with none open it only asks the list", async () => {
      const { number } = await upsert();
      expect(await close("acme/web 1.2.0 is already on main.")).toBe(number);
      expect(fake.notes(project, number)).toEqual([
        {
          id: expect.any(Number) as unknown,
          body: "acme/web 1.2.0 is already on main.",
          system: false,
          author: "ferry-bot",
        },
      ]);
      expect(fake.mergeRequests.get(`${project}!${number}`)?.state).toBe("closed");
      expect(fake.callsTo("updateMergeRequest").map((call) => call.body)).toEqual([{ state_event: "close" }]);

      const before = fake.calls.length;
      expect(await close("again")).toBeUndefined();
      expect(fake.calls.slice(before).map((call) => [call.route, query(call)])).toEqual([
        ["listMergeRequests", { source_branch: head, state: "opened", per_page: "100" }],
      ]);
      expect(fake.notes(project, number)).toHaveLength(1);
    });

    it("a 409 from the creation (one already exists) is a FORGE_API_FAILED with GitLab's reason", async () => {
      // Another writer opened it between the list and the creation: the list answered stale.
      fake.seedMergeRequest(project, { iid: 13, sha: "b".repeat(40), sourceBranch: head });
      fake.inject("listMergeRequests", 1, { status: 200, body: [] });
      const error: unknown = await upsert().catch((e: unknown) => e);
      expect(isAppError(error, "FORGE_API_FAILED")).toBe(true);
      if (!isAppError(error)) return;
      expect(error.retryable).toBe(false);
      expect(error.details).toMatchObject({
        status: 409,
        method: "POST",
        route: "/projects/:id/merge_requests",
      });
      expect(error.message).toContain(
        "Another open merge request already exists for this source branch: !13",
      );
      expect(fake.callsTo("createMergeRequest").map((call) => call.status)).toEqual([409]);
      expect(fake.mergeRequestsOpenFrom(project, head)).toEqual([13]);
    });

    it("a 422 from the creation (source and target the same) is a FORGE_API_FAILED with GitLab's reason", async () => {
      const error: unknown = await upsert({ ...request, base: head }).catch((e: unknown) => e);
      expect(isAppError(error, "FORGE_API_FAILED") && !error.retryable && error.details?.status).toBe(422);
      expect(String((error as Error).message)).toContain(
        "You can't use same project/branch for source and target",
      );
      expect(fake.mergeRequestsOpenFrom(project, head)).toEqual([]);
    });

    it("does not repeat a creation whose answer was lost (500); the next call edits what it made", async () => {
      fake.inject("createMergeRequest", 1, { ...serverError(), afterApply: true });
      const error: unknown = await upsert().catch((e: unknown) => e);
      expect(isAppError(error, "FORGE_API_FAILED") && error.retryable && error.details?.status).toBe(500);
      expect(fake.callsTo("createMergeRequest")).toHaveLength(1);
      const again = await upsert({ ...request, body: "acme/web 1.2.0 (sha256:aa), again" });
      expect(again).toEqual({
        number: 13,
        url: `https://gitlab.test/${project}/-/merge_requests/13`,
        created: false,
      });
      expect(fake.mergeRequestsOpenFrom(project, head)).toEqual([13]);
    });
  });
  describe("merging a merge request pinned to its head (automatic image merges)", () => {
    const head = "a".repeat(40);
    const merge = (sha: string) => {
      if (!forge.mergeChangeRequest) throw new Error("the GitLab forge merges merge requests");
      return forge.mergeChangeRequest(target, sha);
    };
    const refusal = async (sha: string) => {
      const error: unknown = await merge(sha).catch((e: unknown) => e);
      if (!isAppError(error, "FORGE_API_FAILED")) throw new Error(`not a forge failure: ${String(error)}`);
      return error;
    };

    it("merges with PUT .../merge_requests/12/merge carrying the sha, and returns the merge commit", async () => {
      const merged = await merge(head);
      const [call] = fake.callsTo("acceptMergeRequest");
      expect(call).toMatchObject({
        method: "PUT",
        path: "/api/v4/projects/acme%2Fplatform%2Fshop/merge_requests/12/merge",
        body: { sha: head },
      });
      expect(merged.mergeCommit).toMatch(/^[0-9a-f]{40}$/);
      expect(fake.mergeRequests.get(`${project}!12`)).toMatchObject({
        state: "merged",
        mergedBy: "ferry-bot",
      });
    });

    it("a head that moved is GitLab's 409, and nothing is merged", async () => {
      const error = await refusal("b".repeat(40));
      expect(error.retryable).toBe(false);
      expect(error.details).toMatchObject({ status: 409, method: "PUT" });
      expect(error.message).toContain("SHA does not match HEAD of source branch");
      expect(fake.mergeRequests.get(`${project}!12`)?.state ?? "opened").toBe("opened");
    });

    it("a merge request the project's checks refuse is GitLab's 405", async () => {
      const mr = fake.mergeRequests.get(`${project}!12`);
      if (mr) mr.mergeable = false;
      const error = await refusal(head);
      expect(error.details?.status).toBe(405);
      expect(error.message).toContain("405 Method Not Allowed");
    });

    it("a 500 is not repeated (a lost answer may hide a merge)", async () => {
      fake.inject("acceptMergeRequest", 1, serverError());
      const error = await refusal(head);
      expect(error.details?.status).toBe(500);
      expect(fake.callsTo("acceptMergeRequest")).toHaveLength(1);
    });

    it("a 200 that leaves the merge request open (merge set for later) is not taken for a merge", async () => {
      fake.inject("acceptMergeRequest", 1, {
        status: 200,
        body: { iid: 12, state: "opened", merge_when_pipeline_succeeds: true },
      });
      const error = await refusal(head);
      expect(error.message).toContain("unexpected answer at state");
    });
  });
});
