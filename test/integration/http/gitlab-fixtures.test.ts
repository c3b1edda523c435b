// Acceptance: payloads shaped like GitLab's documented hooks (test/fixtures/gitlab) are classified correctly
// with the right token, refused with a wrong one, and ignored kinds answer 200.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { startReceiver, testConfig, type Receiver } from "./receiver.ts";

const fixtures = join(import.meta.dirname, "../../fixtures/gitlab");
const headers = JSON.parse(readFileSync(join(fixtures, "headers.json"), "utf8")) as Record<string, string>;
const fixture = (file: string) => readFileSync(join(fixtures, file), "utf8");

// Each fixture names a different project; track all of them on their target branches.
const config = testConfig([
  { name: "platform", forge: "gitlab", repo: "acme/platform/deploy", branch: "main", path: "apps/platform" },
  { name: "shop", forge: "gitlab", repo: "acme/apps/shop", branch: "main" },
  { name: "catalog", forge: "gitlab", repo: "acme/apps/catalog", branch: "release" },
]);

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function deliver(file: string, edit?: (body: Record<string, unknown>) => void, token?: string) {
  receiver = await startReceiver(inject("redisUrl"), config);
  const parsed = JSON.parse(fixture(file)) as Record<string, unknown>;
  edit?.(parsed);
  const response = await receiver.postGitlab(
    headers[file] ?? "",
    JSON.stringify(parsed),
    token ? { "x-gitlab-token": token } : {},
  );
  const answer = (await response.json()) as { jobs?: string[]; ignored?: string; error?: string };
  return {
    status: response.status,
    answer,
    syncs: await receiver.jobs("sync"),
    previews: await receiver.jobs("preview"),
    commands: await receiver.jobs("command"),
  };
}

describe("GitLab fixtures", () => {
  it("covers every fixture file", () => {
    expect(Object.keys(headers).sort()).toEqual([
      "merge_request.json",
      "note_merge_request.json",
      "pipeline.json",
      "push.json",
      "tag_push.json",
    ]);
  });

  it("push.json: a push to the tracked branch enqueues a sync for the app there", async () => {
    const { status, syncs } = await deliver("push.json");
    expect(status).toBe(202);
    expect(syncs.map((job) => job.data as unknown)).toEqual([
      expect.objectContaining({
        app: "platform",
        reason: "webhook",
        sha: "c3a9d7e5f1b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8",
      }),
    ]);
  });

  // The receiver has no checkout, so it cannot see render inputs outside the app's path (a
  // shared kustomize base): the sync worker decides whether the commit affects the app.
  it("push.json whose commits list no path of the app still enqueues its sync", async () => {
    const { status, syncs } = await deliver("push.json", (body) => {
      body.total_commits_count = 2;
    });
    expect(status).toBe(202);
    expect(syncs.map((job) => (job.data as { app: string }).app)).toEqual(["platform"]);
  });

  it("merge_request.json (open) asks for one preview of its last commit", async () => {
    const { status, answer, previews } = await deliver("merge_request.json");
    expect(status).toBe(202);
    expect(answer.jobs).toEqual([previews[0]?.id]);
    expect(previews.map((job) => job.data as unknown)).toEqual([
      expect.objectContaining({
        forge: "gitlab",
        repo: "acme/apps/shop",
        number: 3,
        headSha: "c3a9d7e5f1b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8",
        headRef: "bump-web",
        baseRef: "main",
        isFork: false,
        apps: ["shop"],
      }),
    ]);
  });

  it.each([
    ["update without oldrev", { action: "update" }, /metadata/],
    ["merge", { action: "merge" }, /merged/],
    ["close", { action: "close" }, /closed/],
    ["approved", { action: "approved" }, /needs no preview/],
  ])("merge_request.json %s is ignored", async (_what, attributes, reason) => {
    const { status, answer, previews, syncs } = await deliver("merge_request.json", (body) => {
      Object.assign(body.object_attributes as object, attributes);
      delete body.changes;
    });
    expect(status).toBe(200);
    expect(answer.ignored).toMatch(reason);
    expect(previews).toHaveLength(0);
    expect(syncs).toHaveLength(0);
  });

  it.each([
    ["update with oldrev", { action: "update", oldrev: "6f1c0e2b9d4a8e7f3c5b1a0d9e8f7c6b5a4d3e2f" }],
    ["reopen", { action: "reopen" }],
  ])("merge_request.json %s asks for a preview", async (_what, attributes) => {
    const { status, previews } = await deliver("merge_request.json", (body) => {
      Object.assign(body.object_attributes as object, attributes);
    });
    expect(status).toBe(202);
    expect(previews).toHaveLength(1);
  });

  it("merge_request.json update that leaves draft (no oldrev) asks for the first preview", async () => {
    const { status, previews } = await deliver("merge_request.json", (body) => {
      (body.object_attributes as Record<string, unknown>).action = "update";
    });
    expect(status).toBe(202);
    expect(previews).toHaveLength(1);
  });

  it("note_merge_request.json without a command is ignored", async () => {
    const { status, answer } = await deliver("note_merge_request.json");
    expect(status).toBe(200);
    expect(answer.ignored).toMatch(/no \/ferry command/);
  });

  it("note_merge_request.json with /ferry preview becomes a command job (the worker checks the commenter)", async () => {
    const { status, previews, syncs, commands } = await deliver("note_merge_request.json", (body) => {
      (body.object_attributes as Record<string, unknown>).note = "please\n/ferry preview";
    });
    expect(status).toBe(202);
    expect(previews).toHaveLength(0);
    expect(syncs).toHaveLength(0);
    expect(commands.map((job) => job.data as unknown)).toEqual([
      expect.objectContaining({
        repo: "acme/apps/catalog",
        number: 7,
        command: "preview",
        commentId: 1288,
        author: { login: "dana", id: 4 },
      }),
    ]);
  });

  it("note_merge_request.json edited (action update) with /ferry sync is ignored", async () => {
    const { status, answer, commands } = await deliver("note_merge_request.json", (body) => {
      Object.assign(body.object_attributes as object, { note: "/ferry sync", action: "update" });
    });
    expect(status).toBe(200);
    expect(answer.ignored).toBe('note action "update"');
    expect(commands).toHaveLength(0);
  });

  it.each(["tag_push.json", "pipeline.json"])("%s is ignored with 200", async (file) => {
    const { status, answer, syncs, previews } = await deliver(file);
    expect(status).toBe(200);
    expect(answer.ignored).toEqual(expect.any(String));
    expect(syncs).toHaveLength(0);
    expect(previews).toHaveLength(0);
  });

  it.each(Object.keys(headers))("%s with a wrong token is refused with 401 and no job", async (file) => {
    const { status, answer, syncs, previews } = await deliver(file, undefined, "wrong-token");
    expect(status).toBe(401);
    expect(answer.error).toBe("WEBHOOK_UNAUTHORIZED");
    expect(syncs).toHaveLength(0);
    expect(previews).toHaveLength(0);
  });
});
