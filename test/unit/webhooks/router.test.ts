import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { pathTouched } from "../../../src/webhooks/paths.ts";
import { routeEvent } from "../../../src/webhooks/router.ts";
import type { ChangeRequestEvent, PushEvent } from "../../../src/webhooks/types.ts";

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
  changedPaths: ["apps/web/x.yaml"],
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
  plan.jobs.map((job) => (job.queue === "sync" ? job.data.app : job.data.apps.join(",")));

describe("pathTouched", () => {
  it.each([
    ["apps/web", ["apps/web/a.yaml"], true],
    ["apps/web/", ["apps/web"], true],
    ["./apps/web", ["apps/web/deep/b.yaml"], true],
    ["apps/web", ["apps/website/a.yaml"], false],
    ["apps/web", ["apps/we"], false],
    [".", ["README.md"], true],
    ["apps/web", [], false],
  ])("%s with %j → %s", (path, changed, touched) => {
    expect(pathTouched(path, changed)).toBe(touched);
  });
});

describe("routeEvent", () => {
  it("matches forge, repo case-insensitively, branch and path; skips apps with auto-sync off", () => {
    expect(apps_(routeEvent(push(), apps))).toEqual(["web", "all"]);
    expect(apps_(routeEvent(push({ changedPaths: ["README.md"] }), apps))).toEqual(["all"]);
  });

  it("matches every app on the branch when the path hint is incomplete", () => {
    expect(apps_(routeEvent(push({ changedPaths: null, branch: "staging" }), apps))).toEqual(["stage"]);
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

  it("turns /ferry sync into manual syncs and /ferry preview without a head into a reason", () => {
    const comment = {
      kind: "comment" as const,
      forge: "github",
      repo: "acme/deploy",
      deliveryId: "d3",
      number: 3,
    };
    const sync = routeEvent({ ...comment, command: "sync" }, apps);
    expect(sync.jobs.map((job) => job.data)).toContainEqual(
      expect.objectContaining({ app: "stage", reason: "manual" }),
    );
    expect(routeEvent({ ...comment, command: "preview" }, apps).ignored).toMatch(/head commit/);
    expect(routeEvent({ kind: "ping", forge: "github", repo: "", deliveryId: "p" }, apps).ignored).toBe(
      "ping",
    );
  });
});
