import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import { parseCommand } from "../../../src/webhooks/commands.ts";
import { githubProvider } from "../../../src/webhooks/github/index.ts";
import { gitlabProvider } from "../../../src/webhooks/gitlab/index.ts";
import { signGithub } from "../../support/sign.ts";

const pushBody = (commits: number, extra: Record<string, unknown> = {}) => ({
  ref: "refs/heads/main",
  before: "1".repeat(40),
  after: "2".repeat(40),
  repository: { full_name: "acme/deploy" },
  commits: Array.from({ length: commits }, (_, i) => ({ added: [`f${i}`], modified: [], removed: [] })),
  ...extra,
});

const github = (event: string, body: unknown) =>
  githubProvider.normalize({ headers: { "x-github-event": event }, body, forge: "gh", deliveryId: "d" });

describe("GitHub normalize", () => {
  it("normalizes a branch push with its commits and flags", () => {
    const event = (body: unknown) => github("push", body).events[0];
    expect(event(pushBody(2))).toMatchObject({ kind: "push", branch: "main", forced: false, created: false });
    expect(event(pushBody(1, { forced: true }))).toMatchObject({ forced: true });
    expect(event(pushBody(1, { created: true }))).toMatchObject({ created: true });
  });

  it("ignores tag pushes and unknown events", () => {
    expect(github("push", pushBody(1, { ref: "refs/tags/v1" })).ignored).toMatch(/not a branch/);
    expect(github("star", {}).ignored).toMatch(/not used/);
  });

  it("reads form-encoded bodies' signature over the raw bytes", async () => {
    const raw = Buffer.from(`payload=${encodeURIComponent(JSON.stringify(pushBody(1)))}`);
    const headers = { "x-hub-signature-256": signGithub(raw, "s") };
    await expect(githubProvider.verify({ headers, rawBody: raw }, "s")).resolves.toBeUndefined();
    await expect(githubProvider.verify({ headers, rawBody: raw }, "t")).rejects.toSatisfy((e) =>
      isAppError(e, "WEBHOOK_UNAUTHORIZED"),
    );
  });
});

describe("GitLab", () => {
  it("compares tokens in constant time and refuses missing or wrong ones", async () => {
    const check = (token?: string) =>
      gitlabProvider.verify(
        { headers: token ? { "x-gitlab-token": token } : {}, rawBody: Buffer.from("{}") },
        "secret",
      );
    await expect(check("secret")).resolves.toBeUndefined();
    for (const token of [undefined, "secre", "secret2", "x"]) {
      await expect(check(token)).rejects.toSatisfy((e) => isAppError(e, "WEBHOOK_UNAUTHORIZED"));
    }
  });

  it("derives the delivery id from Idempotency-Key, then the event UUID, then the body", () => {
    const body = Buffer.from("{}");
    expect(gitlabProvider.deliveryId({ "idempotency-key": "k", "x-gitlab-event-uuid": "u" }, body)).toBe("k");
    expect(gitlabProvider.deliveryId({ "x-gitlab-event-uuid": "u" }, body)).toBe("u");
    expect(gitlabProvider.deliveryId({}, body)).toBe(
      `sha256-${createHash("sha256").update(body).digest("hex")}`,
    );
  });

  it("routes System Hook bodies by object_kind", () => {
    const body = {
      object_kind: "push",
      ...pushBody(1),
      project: { path_with_namespace: "g/p" },
      total_commits_count: 1,
    };
    const result = gitlabProvider.normalize({
      headers: { "x-gitlab-event": "System Hook" },
      body,
      forge: "gl",
      deliveryId: "d",
    });
    expect(result.events[0]).toMatchObject({ kind: "push", repo: "g/p", branch: "main" });
  });
});

describe("parseCommand", () => {
  it.each([
    ["/ferry preview", { command: "preview", force: false }],
    ["looks good\n  /ferry sync please", { command: "sync", force: false }],
    ["/ferry sync --force", { command: "sync", force: true }],
    ["/ferry sync now --force\nthanks", { command: "sync", force: true }],
    ["/ferry sync\nnot here: --force", { command: "sync", force: false }],
    ["/ferry preview --force", { command: "preview", force: false }],
    ["/ferry sync --forced", { command: "sync", force: false }],
    ["/ferry destroy", undefined],
    ["see /ferry preview inline", undefined],
    ["/ferrypreview", undefined],
  ])("%j → %j", (text, parsed) => {
    expect(parseCommand(text)).toEqual(parsed);
  });
});

describe("comments with commands", () => {
  const issueComment = (action: string, body: string) => ({
    action,
    repository: { full_name: "acme/deploy" },
    issue: { number: 3, pull_request: { url: "https://api.github.test/repos/acme/deploy/pulls/3" } },
    comment: { id: 77, body, user: { login: "alice", id: 9 } },
  });
  const note = (action: string | undefined, text: string) => ({
    project: { path_with_namespace: "group/deploy" },
    user: { username: "bob", id: 12 },
    object_attributes: { id: 88, note: text, noteable_type: "MergeRequest", ...(action ? { action } : {}) },
    merge_request: {
      iid: 5,
      source_branch: "feature",
      target_branch: "main",
      source_project_id: 1,
      target_project_id: 1,
      last_commit: { id: "a".repeat(40) },
    },
  });
  const gitlab = (body: unknown) =>
    gitlabProvider.normalize({
      headers: { "x-gitlab-event": "Note Hook" },
      body,
      forge: "gl",
      deliveryId: "d",
    });

  it("GitHub: a created comment names command, flag, comment id and commenter", () => {
    expect(github("issue_comment", issueComment("created", "/ferry sync --force")).events).toEqual([
      {
        kind: "comment",
        forge: "gh",
        deliveryId: "d",
        repo: "acme/deploy",
        number: 3,
        command: "sync",
        force: true,
        commentId: 77,
        author: "alice",
        authorId: 9,
      },
    ]);
  });

  it("GitLab: a new note names command, note id and commenter (with the id members/all needs)", () => {
    expect(gitlab(note("create", "/ferry sync")).events).toEqual([
      expect.objectContaining({
        number: 5,
        command: "sync",
        force: false,
        commentId: 88,
        author: "bob",
        authorId: 12,
      }),
    ]);
    // Versions of GitLab that send no action send no edits either.
    expect(gitlab(note(undefined, "/ferry sync")).events).toHaveLength(1);
  });

  it("an edited comment or note never runs a command", () => {
    expect(github("issue_comment", issueComment("edited", "/ferry sync"))).toEqual({
      events: [],
      ignored: 'issue_comment action "edited"',
    });
    expect(gitlab(note("update", "/ferry sync"))).toEqual({ events: [], ignored: 'note action "update"' });
  });
});
