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
  it("keeps the path hint for short pushes and drops it for 20+ commits or forced/created pushes", () => {
    const event = (body: unknown) => github("push", body).events[0];
    expect(event(pushBody(2))).toMatchObject({ kind: "push", branch: "main", changedPaths: ["f0", "f1"] });
    expect(event(pushBody(20))).toMatchObject({ changedPaths: null });
    expect(event(pushBody(1, { forced: true }))).toMatchObject({ changedPaths: null });
    expect(event(pushBody(1, { created: true }))).toMatchObject({ changedPaths: null });
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
    expect(result.events[0]).toMatchObject({ kind: "push", repo: "g/p", changedPaths: ["f0"] });
  });
});

describe("parseCommand", () => {
  it.each([
    ["/ferry preview", "preview"],
    ["looks good\n  /ferry sync please", "sync"],
    ["/ferry destroy", undefined],
    ["see /ferry preview inline", undefined],
    ["/ferrypreview", undefined],
  ])("%j → %s", (text, command) => {
    expect(parseCommand(text)).toBe(command);
  });
});
