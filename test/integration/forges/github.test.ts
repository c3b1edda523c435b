import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { isAppError } from "../../../src/errors.ts";
import { createForge, type Forge } from "../../../src/forges/index.ts";
import { scrubbingForge } from "../../../src/forges/scrubbed.ts";
import { scrubberFor } from "../../../src/observability/scrub.ts";
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

  describe("image-update pull requests (one per head branch)", () => {
    const head = "ferry/images/web";
    const request = { head, base: "main", title: "web: 1.2.0", body: "acme/web 1.2.0 (sha256:aa)" };
    const upsert = (input = request) => {
      if (!forge.upsertChangeRequest) throw new Error("the GitHub forge opens change requests");
      return forge.upsertChangeRequest(repo, input);
    };
    const close = (comment: string) => {
      if (!forge.closeChangeRequest) throw new Error("the GitHub forge closes change requests");
      return forge.closeChangeRequest(repo, head, comment);
    };
    const query = (call: { query: string }) => Object.fromEntries(new URLSearchParams(call.query));

    it("opens the pull request once, then edits that one in place: never a second", async () => {
      // Neither another branch's pull nor an earlier, closed one from this branch is the one.
      fake.seedPull(repo, { number: 8, headSha: "b".repeat(40), headRef: "feature", title: "other" });
      fake.seedPull(repo, { number: 9, headSha: "c".repeat(40), headRef: head, state: "closed" });

      const first = await upsert();
      expect(first).toEqual({ number: 10, url: `https://github.test/${repo}/pull/10`, created: true });
      expect(fake.callsTo("listPulls").map(query)).toEqual([
        { head: `acme:${head}`, state: "open", base: "main", per_page: "100" },
      ]);
      expect(fake.callsTo("createPull").map((call) => [call.path, call.body, call.status])).toEqual([
        [`/repos/${repo}/pulls`, { head, base: "main", title: request.title, body: request.body }, 201],
      ]);

      const newer = { ...request, title: "web: 1.3.0", body: "acme/web 1.3.0 (sha256:bb)" };
      expect(await upsert(newer)).toEqual({ ...first, created: false });
      expect(fake.callsTo("updatePull").map((call) => [call.path, call.body, call.status])).toEqual([
        [`/repos/${repo}/pulls/10`, { title: newer.title, body: newer.body }, 200],
      ]);
      expect(fake.pulls.get(`${repo}#10`)).toMatchObject({
        state: "open",
        title: newer.title,
        body: newer.body,
      });

      // The same title and body again: nothing to edit.
      expect(await upsert(newer)).toEqual({ ...first, created: false });
      expect(fake.callsTo("updatePull")).toHaveLength(1);
      expect(fake.callsTo("createPull")).toHaveLength(1);
      expect(fake.pullsOpenFrom(repo, head)).toEqual([10]);
      expect(fake.pullsOpenFrom(repo, "feature")).toEqual([8]);
      expect(fake.pulls.get(`${repo}#8`)?.title).toBe("other");
    });

    it("closes the open pull request after commenting on it; with none open it only asks the list", async () => {
      const { number } = await upsert();
      expect(await close("acme/web 1.2.0 is already on main.")).toBe(number);
      expect(fake.comments(repo, number)).toEqual([
        {
          id: expect.any(Number) as unknown,
          body: "acme/web 1.2.0 is already on main.",
          author: "ferry-bot",
        },
      ]);
      expect(fake.pulls.get(`${repo}#${number}`)?.state).toBe("closed");
      expect(fake.callsTo("updatePull").map((call) => call.body)).toEqual([{ state: "closed" }]);

      const before = fake.calls.length;
      expect(await close("again")).toBeUndefined();
      expect(fake.calls.slice(before).map((call) => [call.route, query(call)])).toEqual([
        ["listPulls", { head: `acme:${head}`, state: "open", per_page: "100" }],
      ]);
      expect(fake.comments(repo, number)).toHaveLength(1);
    });

    it("a 422 from the creation (the pull request already exists) is a FORGE_API_FAILED with GitHub's reason", async () => {
      // Another writer opened it between the list and the creation: the list answered stale.
      fake.seedPull(repo, { number: 8, headSha: "b".repeat(40), headRef: head, title: "web: 1.1.0" });
      fake.inject("listPulls", 1, { status: 200, body: [] });
      const error: unknown = await upsert().catch((e: unknown) => e);
      expect(isAppError(error, "FORGE_API_FAILED")).toBe(true);
      if (!isAppError(error)) return;
      expect(error.retryable).toBe(false);
      expect(error.details).toMatchObject({
        status: 422,
        method: "POST",
        route: "/repos/{owner}/{repo}/pulls",
      });
      expect(error.message).toContain(`Validation Failed: A pull request already exists for acme:${head}.`);
      expect(fake.callsTo("createPull").map((call) => call.status)).toEqual([422]);
      expect(fake.pullsOpenFrom(repo, head)).toEqual([8]);
    });

    it("does not repeat a creation whose answer was lost (500); the next call edits what it made", async () => {
      fake.inject("createPull", 1, { ...serverError(), afterApply: true });
      const error: unknown = await upsert().catch((e: unknown) => e);
      expect(isAppError(error, "FORGE_API_FAILED") && error.retryable && error.details?.status).toBe(500);
      expect(fake.callsTo("createPull")).toHaveLength(1);
      const again = await upsert({ ...request, body: "acme/web 1.2.0 (sha256:aa), again" });
      expect(again).toEqual({ number: 8, url: `https://github.test/${repo}/pull/8`, created: false });
      expect(fake.pullsOpenFrom(repo, head)).toEqual([8]);
    });

    it("passes titles, bodies and the closing comment through the job's scrubber", async () => {
      const scrubbed = scrubbingForge(forge, scrubberFor(["s3cr3t-value"]));
      await scrubbed.upsertChangeRequest?.(repo, {
        ...request,
        title: "web s3cr3t-value",
        body: "b s3cr3t-value",
      });
      expect(fake.pulls.get(`${repo}#8`)).toMatchObject({ title: "web ********", body: "b ********" });
      expect(await scrubbed.closeChangeRequest?.(repo, head, "closed: s3cr3t-value")).toBe(8);
      expect(fake.comments(repo, 8).map((c) => c.body)).toEqual(["closed: ********"]);
    });
  });
  describe("merging a pull request pinned to its head (automatic image merges)", () => {
    const head = "a".repeat(40);
    const merge = (sha: string) => {
      if (!forge.mergeChangeRequest) throw new Error("the GitHub forge merges pull requests");
      return forge.mergeChangeRequest(target, sha);
    };
    const refusal = async (sha: string) => {
      const error: unknown = await merge(sha).catch((e: unknown) => e);
      if (!isAppError(error, "FORGE_API_FAILED")) throw new Error(`not a forge failure: ${String(error)}`);
      return error;
    };

    it("merges with PUT .../pulls/7/merge carrying the sha, and returns the merge commit", async () => {
      const merged = await merge(head);
      const [call] = fake.callsTo("mergePull");
      expect(call).toMatchObject({
        method: "PUT",
        path: `/repos/${repo}/pulls/7/merge`,
        body: { sha: head },
      });
      expect(merged.mergeCommit).toMatch(/^[0-9a-f]{40}$/);
      expect(fake.pulls.get(`${repo}#7`)).toMatchObject({ state: "closed", mergedBy: "ferry-bot" });
      expect((await forge.getChangeRequest(target)).state).toBe("merged");
    });

    it("a head that moved is GitHub's 409, not retried, and nothing is merged", async () => {
      const error = await refusal("b".repeat(40));
      expect(error.details).toMatchObject({ status: 409, method: "PUT" });
      expect(error.message).toContain("Head branch was modified");
      expect(fake.callsTo("mergePull")).toHaveLength(1);
      expect(fake.pulls.get(`${repo}#7`)?.mergedAt ?? null).toBeNull();
    });

    it("a pull the repository's rules refuse is GitHub's 405 with its message", async () => {
      const pull = fake.pulls.get(`${repo}#7`);
      if (pull) pull.mergeable = false;
      const error = await refusal(head);
      expect(error.retryable).toBe(false);
      expect(error.details?.status).toBe(405);
      expect(error.message).toContain("Pull Request is not mergeable");
    });

    it("a 500 is not repeated (a lost answer may hide a merge)", async () => {
      fake.inject("mergePull", 1, serverError());
      const error = await refusal(head);
      expect(error.details?.status).toBe(500);
      expect(fake.callsTo("mergePull")).toHaveLength(1);
    });

    it("a 200 that does not say merged is not taken for a merge", async () => {
      fake.inject("mergePull", 1, { status: 200, body: { sha: head, merged: false, message: "nope" } });
      const error = await refusal(head);
      expect(error.message).toContain("unexpected answer at merged");
    });
  });
});
