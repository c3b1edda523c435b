import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { routeEvent } from "../../../src/webhooks/router.ts";
import type { ChangeRequestEvent, CommentEvent, PushEvent } from "../../../src/webhooks/types.ts";

const { apps } = parseConfig({
  forges: [{ name: "github", type: "github", webhookSecret: "s" }],
  clusters: [{ name: "c", kubeconfig: "/dev/null" }],
  apps: [
    {
      name: "web",
      forge: "github",
      repo: "Acme/Deploy",
      branch: "main",
      path: "apps/web",
      destination: { cluster: "c", namespace: "a" },
    },
    {
      name: "all",
      forge: "github",
      repo: "acme/deploy",
      branch: "main",
      path: ".",
      destination: { cluster: "c", namespace: "b" },
    },
    {
      name: "manual",
      forge: "github",
      repo: "acme/deploy",
      branch: "main",
      sync: { auto: false },
      destination: { cluster: "c", namespace: "c" },
    },
    {
      name: "stage",
      forge: "github",
      repo: "acme/deploy",
      branch: "staging",
      destination: { cluster: "c", namespace: "d" },
    },
  ],
});

const push = (over: Partial<PushEvent> = {}): PushEvent => ({
  kind: "push",
  forge: "github",
  repo: "ACME/deploy",
  deliveryId: "d1",
  branch: "main",
  before: "a",
  after: "b",
  created: false,
  deleted: false,
  forced: false,
  ...over,
});

const change = (over: Partial<ChangeRequestEvent> = {}): ChangeRequestEvent => ({
  kind: "changeRequest",
  forge: "github",
  repo: "acme/deploy",
  deliveryId: "d2",
  number: 3,
  action: "opened",
  headSha: "h",
  headRef: "feature",
  baseRef: "main",
  isFork: false,
  draft: false,
  merged: false,
  ...over,
});

const apps_ = (plan: ReturnType<typeof routeEvent>) =>
  plan.jobs.map((job) =>
    job.queue === "sync" ? job.data.app : job.queue === "preview" ? job.data.apps.join(",") : job.queue,
  );

describe("routeEvent", () => {
  // Which of them the commit changes is the sync worker's decision (src/deploy/affected.ts),
  // from the real render inputs, not the receiver's: no path matching here.
  it("sends a push to every auto-synced app on the branch of the repository (case-insensitive)", () => {
    expect(apps_(routeEvent(push(), apps))).toEqual(["web", "all"]);
    expect(apps_(routeEvent(push({ repo: "ACME/Deploy" }), apps))).toEqual(["web", "all"]);
    expect(apps_(routeEvent(push({ branch: "staging" }), apps))).toEqual(["stage"]);
  });

  it("ignores other forges, repos, branches, and deleted branches", () => {
    expect(routeEvent(push({ forge: "gitlab" }), apps).ignored).toMatch(/not tracked/);
    expect(routeEvent(push({ repo: "acme/other" }), apps).ignored).toMatch(/not tracked/);
    expect(routeEvent(push({ branch: "dev" }), apps).ignored).toMatch(/branch "dev" is not tracked/);
    expect(routeEvent(push({ deleted: true }), apps).ignored).toMatch(/deleted/);
  });

  it("plans one preview per change request listing the apps on its base branch", () => {
    const plan = routeEvent(change(), apps);
    expect(plan.jobs).toEqual([
      {
        queue: "preview",
        data: expect.objectContaining({
          repo: "Acme/Deploy",
          number: 3,
          apps: ["web", "all", "manual"],
        }) as unknown,
      },
    ]);
  });

  it.each([
    [{ draft: true }, /draft change request: no preview until it is marked ready/],
    [{ action: "closed" as const }, /closed without merge/],
    [{ action: "merged" as const, merged: true }, /push to the base branch deploys it/],
    [{ action: "metadata" as const }, /metadata/],
    [{ baseRef: "dev" }, /base branch "dev" is not tracked/],
  ])("ignores %j", (over, reason) => {
    expect(routeEvent(change(over), apps)).toEqual({
      jobs: [],
      ignored: expect.stringMatching(reason) as unknown,
    });
  });

  const comment: CommentEvent = {
    kind: "comment",
    forge: "github",
    repo: "ACME/deploy",
    deliveryId: "d3",
    number: 3,
    command: "sync",
    force: false,
    commentId: 41,
    author: "alice",
    authorId: 9,
  };

  it("turns a /ferry command into one command job (the worker checks permission and picks apps)", () => {
    expect(routeEvent(comment, apps).jobs).toEqual([
      {
        queue: "command",
        data: {
          forge: "github",
          // The configured spelling of the first app on the repository.
          repo: "Acme/Deploy",
          number: 3,
          command: "sync",
          force: false,
          commentId: 41,
          author: { login: "alice", id: 9 },
          deliveryId: "d3",
        },
      },
    ]);
    const forced = routeEvent({ ...comment, force: true, command: "sync" }, apps).jobs[0];
    expect(forced?.data).toMatchObject({ force: true });
    // /ferry preview no longer needs the head in the payload: the worker reads the pull request.
    expect(apps_(routeEvent({ ...comment, command: "preview" }, apps))).toEqual(["command"]);
  });

  it("never plans a sync or preview straight from a comment, and ignores what it cannot check", () => {
    const { author: _author, ...anonymous } = comment;
    expect(routeEvent(anonymous, apps)).toEqual({
      jobs: [],
      ignored: "the comment names no author whose permission could be checked",
    });
    expect(routeEvent({ ...comment, repo: "acme/other" }, apps).ignored).toMatch(/not tracked/);
    expect(routeEvent({ ...comment, forge: "gitlab" }, apps).ignored).toMatch(/not tracked/);
    expect(routeEvent({ kind: "ping", forge: "github", repo: "", deliveryId: "p" }, apps).ignored).toBe(
      "ping",
    );
  });
});
