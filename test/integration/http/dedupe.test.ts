// Redeliveries and bursts: one delivery → jobs at most once; a burst of pushes → one pending
// sync per app; a burst of MR updates → one pending preview, for the newest head.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, inject, it } from "vitest";
import { startReceiver, testConfig, type Receiver } from "./receiver.ts";

const config = testConfig([
  { name: "web", forge: "github", repo: "acme/deploy", branch: "main", path: "apps/web" },
  { name: "api", forge: "github", repo: "acme/deploy", branch: "main", path: "apps/api" },
  { name: "mr-app", forge: "gitlab", repo: "group/sub/deploy", branch: "main" },
]);

const sha = (n: number) => n.toString(16).padStart(40, "0");

function push(after: string, files: string[]) {
  return JSON.stringify({
    ref: "refs/heads/main",
    before: sha(1),
    after,
    created: false,
    deleted: false,
    forced: false,
    repository: { full_name: "acme/deploy" },
    pusher: { name: "dev" },
    commits: [{ added: [], modified: files, removed: [] }],
  });
}

function mergeRequestUpdate(head: string, oldrev: string) {
  return JSON.stringify({
    object_kind: "merge_request",
    project: { path_with_namespace: "group/sub/deploy" },
    user: { username: "dev" },
    object_attributes: {
      iid: 7,
      action: "update",
      oldrev,
      source_branch: "feature",
      target_branch: "main",
      source_project_id: 1,
      target_project_id: 1,
      last_commit: { id: head },
    },
  });
}

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe("deduplication", () => {
  it("a redelivered GitHub delivery creates no second job", async () => {
    receiver = await startReceiver(inject("redisUrl"), config);
    const delivery = randomUUID();
    const body = push(sha(2), ["apps/web/deployment.yaml"]);
    const first = await receiver.postGithub("push", body, { "x-github-delivery": delivery });
    expect(first.status).toBe(202);
    const again = await receiver.postGithub("push", body, { "x-github-delivery": delivery });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ignored: "duplicate delivery" });
    // One sync per app on the branch (web, api), none more.
    expect(await receiver.jobs("sync")).toHaveLength(2);
  });

  it("a redelivery after the first job ran and was removed still creates no job", async () => {
    // Finished syncs are removed after 24 h or 1,000 newer ones, deliveries are remembered for
    // 72 h: only the delivery ledger, not the job id, can refuse this redelivery (which is why
    // the claim must finish before the add instead of sharing its round trip).
    receiver = await startReceiver(inject("redisUrl"), config);
    const delivery = randomUUID();
    const body = push(sha(3), ["apps/web/deployment.yaml"]);
    expect((await receiver.postGithub("push", body, { "x-github-delivery": delivery })).status).toBe(202);
    for (const job of await receiver.jobs("sync")) await job.remove();
    expect(await receiver.jobs("sync")).toHaveLength(0);
    const again = await receiver.postGithub("push", body, { "x-github-delivery": delivery });
    expect(await again.json()).toEqual({ ignored: "duplicate delivery" });
    expect(await receiver.jobs("sync")).toHaveLength(0);
  });

  it("a redelivery that meets a claim still pending gets 503 with Retry-After, not 'duplicate'", async () => {
    // The first request claimed the delivery and then could not store its jobs nor release the
    // claim (Redis failed over in between): the redelivery must not be told it is a duplicate.
    receiver = await startReceiver(inject("redisUrl"), config);
    const delivery = randomUUID();
    expect(await receiver.enqueuer.deliveries.claim("github", delivery)).toBe("new");
    const body = push(sha(7), ["apps/web/deployment.yaml"]);
    const refused = await receiver.postGithub("push", body, { "x-github-delivery": delivery });
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(await refused.json()).toMatchObject({ error: "QUEUE_UNAVAILABLE" });
    expect(await receiver.jobs("sync")).toHaveLength(0);
    // Once the claim is gone (released, or expired), the redelivery stores the jobs.
    await receiver.enqueuer.deliveries.release("github", delivery);
    expect((await receiver.postGithub("push", body, { "x-github-delivery": delivery })).status).toBe(202);
    expect(await receiver.jobs("sync")).toHaveLength(2);
  });

  it("GitLab deliveries dedupe on Idempotency-Key, then the event UUID, then the body", async () => {
    receiver = await startReceiver(inject("redisUrl"), config);
    const body = mergeRequestUpdate(sha(9), sha(8));
    const key = { "idempotency-key": randomUUID() };
    expect((await receiver.postGitlab("Merge Request Hook", body, key)).status).toBe(202);
    expect((await receiver.postGitlab("Merge Request Hook", body, key)).status).toBe(200);
    const withoutIds = { "x-gitlab-event-uuid": "" };
    const other = mergeRequestUpdate(sha(10), sha(9));
    expect((await receiver.postGitlab("Merge Request Hook", other, withoutIds)).status).toBe(202);
    const duplicate = await receiver.postGitlab("Merge Request Hook", other, withoutIds);
    expect(await duplicate.json()).toEqual({ ignored: "duplicate delivery" });
  });

  it("two quick pushes leave one pending sync per app", async () => {
    receiver = await startReceiver(inject("redisUrl"), config);
    const [a, b] = await Promise.all([
      receiver.postGithub("push", push(sha(3), ["apps/web/a.yaml"])),
      receiver.postGithub("push", push(sha(4), ["apps/web/b.yaml"])),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const syncs = await receiver.jobs("sync");
    expect(syncs.map((job) => (job.data as { app: string }).app).sort()).toEqual(["api", "web"]);
    expect(await receiver.enqueuer.queues.sync.getWaitingCount()).toBe(2);
  });

  // Which apps a commit affects is the sync worker's decision (src/deploy/affected.ts): the
  // receiver sends every push on the branch to each of its apps, whatever paths it lists.
  it("a push enqueues one sync for each app on its branch, whatever paths it lists", async () => {
    receiver = await startReceiver(inject("redisUrl"), config);
    const response = await receiver.postGithub("push", push(sha(5), ["README.md"]));
    expect(response.status).toBe(202);
    expect(((await response.json()) as { jobs: string[] }).jobs).toHaveLength(2);
    const syncs = await receiver.jobs("sync");
    expect(syncs.map((job) => (job.data as { app: string }).app).sort()).toEqual(["api", "web"]);
  });

  it("five MR updates leave one pending preview, for the last head", async () => {
    receiver = await startReceiver(inject("redisUrl"), config);
    for (let i = 1; i <= 5; i++) {
      const response = await receiver.postGitlab(
        "Merge Request Hook",
        mergeRequestUpdate(sha(100 + i), sha(99 + i)),
      );
      expect(response.status).toBe(202);
    }
    const previews = await receiver.jobs("preview");
    expect(previews.map((job) => (job.data as { headSha: string }).headSha)).toEqual([sha(105)]);
    expect(await receiver.enqueuer.queues.preview.getWaitingCount()).toBe(1);
  });

  it("five concurrent MR updates still leave exactly one pending preview", async () => {
    receiver = await startReceiver(inject("redisUrl"), config);
    const responses = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        receiver!.postGitlab("Merge Request Hook", mergeRequestUpdate(sha(200 + i), sha(199 + i))),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual([202, 202, 202, 202, 202]);
    expect(await receiver.jobs("preview")).toHaveLength(1);
  });
});
