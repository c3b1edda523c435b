import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { isAppError } from "../../../src/errors.ts";
import { createForge, type Forge } from "../../../src/forges/index.ts";
import { FakeGithub, secondaryRateLimit, serverError } from "../../support/fakes/github.ts";

const repo = "acme/shop";
const target = { repo, number: 7 };
// Retry-After seconds become 5 ms: the wait is still proven by the recorded retry.
const fast = { retryUnitMs: 5, writeIntervalMs: 0 };

function forgeFor(fake: FakeGithub, token = fake.token): Forge {
  return createForge(
    { name: "gh", type: "github", apiUrl: fake.url, token, insecureAcceptUnsigned: false },
    fast,
  );
}

describe("GitHub forge against the fake", () => {
  let fake: FakeGithub;
  let forge: Forge;

  beforeEach(async () => {
    fake = await FakeGithub.start();
    fake.seedPull(repo, { number: 7, headSha: "a".repeat(40) });
    forge = forgeFor(fake);
  });

  afterEach(async () => {
    fake.assertNoUnexpected();
    await fake.close();
  });

  it("creates one comment, leaves an equal body alone, edits a changed body in place", async () => {
    const first = await forge.upsertComment(target, "preview key=gh/acme/shop!7", "hello");
    expect(first.action).toBe("created");
    expect(fake.comments(repo, 7)).toEqual([
      { id: first.id, body: "<!-- ferry:preview key=gh/acme/shop!7 -->\nhello", author: "ferry-bot" },
    ]);

    const second = await forge.upsertComment(target, "preview key=gh/acme/shop!7", "hello");
    expect(second).toEqual({ id: first.id, action: "unchanged" });
    expect(fake.callsTo("updateComment")).toHaveLength(0);

    const body = "<!-- ferry:preview key=gh/acme/shop!7 head=bbb -->\nchanged";
    const third = await forge.upsertComment(target, "preview key=gh/acme/shop!7", body);
    expect(third).toEqual({ id: first.id, action: "updated" });
    expect(fake.comments(repo, 7)).toEqual([{ id: first.id, body, author: "ferry-bot" }]);
    expect(fake.callsTo("createComment")).toHaveLength(1);
  });

  it("never edits a comment with Ferry's marker that another user wrote: makes its own", async () => {
    const planted = "<!-- ferry:preview key=gh/acme/shop!7 -->\nclick here to approve";
    fake.seedComments(repo, 7, [planted], "mallory");
    const first = await forge.upsertComment(target, "preview key=gh/acme/shop!7", "the real preview");
    expect(first.action).toBe("created");
    const second = await forge.upsertComment(target, "preview key=gh/acme/shop!7", "the next preview");
    expect(second).toEqual({ id: first.id, action: "updated" });
    expect(fake.comments(repo, 7)).toEqual([
      { id: expect.any(Number) as unknown, body: planted, author: "mallory" },
      {
        id: first.id,
        body: "<!-- ferry:preview key=gh/acme/shop!7 -->\nthe next preview",
        author: "ferry-bot",
      },
    ]);
    expect(fake.callsTo("updateComment").map((call) => call.path)).toEqual([
      `/repos/${repo}/issues/comments/${first.id}`,
    ]);
    // The identity is asked once per forge and cached.
    expect(fake.callsTo("getAuthenticatedUser")).toHaveLength(1);
  });

  it("finds its comment on page 2 of more than 100 comments", async () => {
    fake.seedComments(
      repo,
      7,
      Array.from({ length: 130 }, (_, i) => `someone else ${i}`),
    );
    fake.seedComments(repo, 7, ["<!-- ferry:preview key=k -->\nold"]);
    const result = await forge.upsertComment(target, "preview key=k", "<!-- ferry:preview key=k -->\nnew");
    expect(result.action).toBe("updated");
    expect(fake.callsTo("listComments").map((call) => call.query)).toEqual([
      "?per_page=100",
      "?per_page=100&page=2",
    ]);
    expect(fake.comments(repo, 7).filter((c) => c.body.includes("ferry:"))).toHaveLength(1);
    expect(fake.callsTo("createComment")).toHaveLength(0);
  });

  it("records statuses with their state and a description cut to 140 characters", async () => {
    const sha = "c".repeat(40);
    await forge.setStatus(repo, {
      sha,
      context: "ferry/preview",
      state: "pending",
      description: "x".repeat(300),
    });
    await forge.setStatus(repo, {
      sha,
      context: "ferry/preview",
      state: "failure",
      description: "bad",
      targetUrl: "https://ferry.test/p/1",
    });
    expect(fake.statuses.map((s) => [s.state, s.context, s.description?.length, s.target_url])).toEqual([
      ["pending", "ferry/preview", 140, undefined],
      ["failure", "ferry/preview", 3, "https://ferry.test/p/1"],
    ]);
  });

  it("retries a 500 and ends with exactly one comment", async () => {
    fake.inject("listComments", 1, serverError());
    fake.inject("createComment", 1, serverError());
    const result = await forge.upsertComment(target, "k", "body");
    expect(result.action).toBe("created");
    expect(fake.comments(repo, 7)).toHaveLength(1);
  });

  it("does not duplicate a comment whose creation answer was lost (500 after storing)", async () => {
    fake.inject("createComment", 1, { ...serverError(), afterApply: true });
    const result = await forge.upsertComment(target, "k", "body");
    expect(result.action).toBe("unchanged");
    expect(fake.comments(repo, 7)).toHaveLength(1);
  });

  it("waits out a secondary rate limit (403 + Retry-After) and retries", async () => {
    fake.inject("createComment", 1, secondaryRateLimit(1));
    fake.inject("createStatus", 2, secondaryRateLimit(1));
    await forge.upsertComment(target, "k", "body");
    await forge.setStatus(repo, { sha: "d".repeat(40), context: "c", state: "success", description: "ok" });
    expect(fake.callsTo("createComment").map((c) => c.status)).toEqual([403, 201]);
    expect(fake.callsTo("createStatus").map((c) => c.status)).toEqual([403, 403, 201]);
    expect(fake.comments(repo, 7)).toHaveLength(1);
  });

  it("gives up after the bounded number of retries with a retryable FORGE_API_FAILED", async () => {
    fake.inject("getPull", 10, serverError());
    const error: unknown = await forge.getChangeRequest(target).catch((e: unknown) => e);
    expect(isAppError(error, "FORGE_API_FAILED") && error.retryable && error.details?.status).toBe(500);
    expect(fake.callsTo("getPull")).toHaveLength(4);
  });

  it("answers a wrong token with FORGE_API_FAILED that never shows the token", async () => {
    const wrong = "ghp_wrong_secret_value_123";
    const error: unknown = await forgeFor(fake, wrong)
      .setStatus(repo, { sha: "e".repeat(40), context: "c", state: "success", description: "" })
      .catch((e: unknown) => e);
    expect(isAppError(error, "FORGE_API_FAILED")).toBe(true);
    if (!isAppError(error)) return;
    expect(error.retryable).toBe(false);
    expect(error.details?.status).toBe(401);
    expect(error.message).toContain("Bad credentials");
    for (const text of [error.message, JSON.stringify(error), inspect(error, { depth: 10 })])
      expect(text).not.toContain(wrong);
  });

  it("reads a pull request and finds the merged one for a commit", async () => {
    fake.seedPull(repo, {
      number: 8,
      headSha: "f".repeat(40),
      state: "closed",
      mergedAt: "2025-01-01T00:00:00Z",
      commits: ["9".repeat(40)],
    });
    expect(await forge.getChangeRequest(target)).toMatchObject({
      number: 7,
      headSha: "a".repeat(40),
      state: "open",
    });
    expect(await forge.getChangeRequest({ repo, number: 8 })).toMatchObject({ state: "merged" });
    expect(await forge.findMergedChangeRequest(repo, "9".repeat(40))).toBe(8);
    expect(await forge.findMergedChangeRequest(repo, "a".repeat(40))).toBeUndefined();
  });

  it("creates plain comments for reports", async () => {
    const id = await forge.createComment(target, "Deployed");
    expect(fake.comments(repo, 7)).toEqual([{ id, body: "Deployed", author: "ferry-bot" }]);
  });

  it("reads a collaborator's role (404: not a collaborator) and the pull request's branches and people", async () => {
    fake.seedCollaborator(repo, "Maya", "maintain");
    fake.seedCollaborator(repo, "tri", "triage");
    expect(await forge.permissionOf(repo, { login: "maya" })).toBe("maintain");
    expect(await forge.permissionOf(repo, { login: "tri" })).toBe("triage");
    expect(await forge.permissionOf(repo, { login: "stranger" })).toBe("none");
    expect(fake.callsTo("collaboratorPermission").map((call) => [call.path, call.status])).toEqual([
      [`/repos/${repo}/collaborators/maya/permission`, 200],
      [`/repos/${repo}/collaborators/tri/permission`, 200],
      [`/repos/${repo}/collaborators/stranger/permission`, 404],
    ]);
    fake.inject("collaboratorPermission", 4, serverError());
    await expect(forge.permissionOf(repo, { login: "maya" })).rejects.toSatisfy(
      (error) => isAppError(error, "FORGE_API_FAILED") && error.retryable,
    );

    fake.seedPull(repo, {
      number: 9,
      headSha: "c".repeat(40),
      headRef: "feature",
      headRepo: "someone/fork",
      baseRef: "release",
      baseSha: "b".repeat(40),
      author: "alice",
      mergedBy: "bob",
      state: "closed",
      mergedAt: "2025-01-01T00:00:00Z",
    });
    expect(await forge.getChangeRequest({ repo, number: 9 })).toEqual({
      number: 9,
      headSha: "c".repeat(40),
      state: "merged",
      url: `https://github.test/${repo}/pull/9`,
      headRef: "feature",
      baseRef: "release",
      baseSha: "b".repeat(40),
      isFork: true,
      author: "alice",
      mergedBy: "bob",
    });
  });

  it("acknowledges a comment with a +1 reaction", async () => {
    const commentId = fake.seedUserComment(repo, 7, "alice", "/ferry sync");
    await forge.acknowledge(target, commentId);
    expect(fake.reactions).toEqual([{ repo, commentId, content: "+1", login: "ferry-bot" }]);
    expect(fake.callsTo("createReaction").map((call) => [call.body, call.status])).toEqual([
      [{ content: "+1" }, 201],
    ]);
    await expect(forge.acknowledge(target, 1)).rejects.toSatisfy((error) =>
      isAppError(error, "FORGE_API_FAILED"),
    );
  });
});
