// check_run / check_suite deliveries, from GitHub's own examples (@octokit/webhooks-examples):
// only "rerequested" on one of Ferry's runs (its external_id) re-runs anything, and "Sync now"
// (requested_action `sync`) on a Ferry deploy run becomes a command job; every other example is
// ignored with a reason.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { githubProvider } from "../../../src/webhooks/github/index.ts";
import { routeEvents } from "../../../src/webhooks/router.ts";

const require = createRequire(import.meta.url);
const definitions = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;
const examplesOf = (event: string) => definitions.find((d) => d.name === event)?.examples ?? [];

const { apps } = parseConfig({
  forges: [{ name: "github", type: "github", webhookSecret: "s" }],
  clusters: [{ name: "c", kubeconfig: "/dev/null" }],
  apps: ["github/hello-world", "Codertocat/Hello-World"].map((repo, i) => ({
    name: `app${i}`,
    forge: "github",
    repo,
    branch: "master",
    destination: { cluster: "c", namespace: "n" },
  })),
});

function route(event: string, body: unknown) {
  const normalized = githubProvider.normalize({
    headers: { "x-github-event": event },
    body,
    forge: "github",
    deliveryId: "d-1",
  });
  return normalized.events.length === 0
    ? { jobs: [], ignored: normalized.ignored }
    : routeEvents(normalized.events, apps);
}

describe("check_run and check_suite webhooks", () => {
  it("ignores every published example that is not a re-run of Ferry's own run", () => {
    for (const payload of [...examplesOf("check_run")]) {
      const plan = route("check_run", payload);
      expect(plan.jobs).toEqual([]);
      expect(plan.ignored).toMatch(/check_run action|not a check run of Ferry's|not a Sync now button/);
    }
    const suites = examplesOf("check_suite").filter((payload) => payload.action !== "rerequested");
    expect(suites.length).toBeGreaterThan(0);
    for (const payload of suites) expect(route("check_suite", payload).ignored).toMatch(/check_suite action/);
  });

  it("re-runs the preview of the pull request a Ferry preview run names", () => {
    // The published rerequested example lists no pull request; the requested_action one does.
    const example = examplesOf("check_run").find((payload) => payload.action === "rerequested");
    const withPull = examplesOf("check_run").find((payload) => payload.action === "requested_action");
    const payload = structuredClone(example) as { check_run: Record<string, unknown> };
    const pulls = (
      withPull?.check_run as { pull_requests: Array<{ number: number; head: { sha: string; ref: string } }> }
    ).pull_requests;
    const pull = pulls[0];
    if (!pull) throw new Error("the example lists a pull request");
    payload.check_run.pull_requests = pulls;
    payload.check_run.external_id = `preview:${pull.number}`;
    const plan = route("check_run", payload);
    expect(plan.jobs).toHaveLength(1);
    const job = plan.jobs[0];
    expect(job?.queue === "preview" && [job.data.number, job.data.headSha, job.data.headRef]).toEqual([
      pull.number,
      pull.head.sha,
      pull.head.ref,
    ]);
  });

  it("re-runs the deploy of the app a Ferry deploy run names, as a push would", () => {
    const example = examplesOf("check_run").find((payload) => payload.action === "rerequested");
    const payload = structuredClone(example) as {
      repository: { full_name: string };
      check_run: Record<string, unknown>;
    };
    payload.repository.full_name = "Codertocat/Hello-World";
    payload.check_run.external_id = "deploy:app1";
    const plan = route("check_run", payload);
    expect(plan.jobs).toEqual([
      {
        queue: "sync",
        data: { app: "app1", reason: "webhook", sha: String(payload.check_run.head_sha), deliveryId: "d-1" },
      },
    ]);
    payload.check_run.external_id = "deploy:someone-else";
    expect(route("check_run", payload).ignored).toMatch(/not tracked/);
  });

  it("turns Sync now on a Ferry deploy run into a command job for the person who pressed it", () => {
    const example = examplesOf("check_run").find((payload) => payload.action === "requested_action");
    const payload = structuredClone(example) as {
      repository: { full_name: string };
      check_run: Record<string, unknown>;
      requested_action: { identifier: string };
      sender: { login: string; id: number };
    };
    payload.repository.full_name = "Codertocat/Hello-World";
    payload.check_run.external_id = "deploy:app1";
    payload.check_run.conclusion = "failure";
    payload.requested_action.identifier = "sync";
    const plan = route("check_run", payload);
    expect(plan.jobs).toEqual([
      {
        queue: "command",
        data: {
          source: "checkAction",
          forge: "github",
          repo: "Codertocat/Hello-World",
          command: "sync",
          app: "app1",
          checkRunId: payload.check_run.id,
          force: false,
          author: { login: payload.sender.login, id: payload.sender.id },
          deliveryId: "d-1",
        },
      },
    ]);
    // A held-back revision (action_required) is deployed anyway, like `/ferry sync --force`.
    payload.check_run.conclusion = "action_required";
    const held = route("check_run", payload).jobs[0];
    expect(held?.queue === "command" && held.data.force).toBe(true);
    payload.requested_action.identifier = "other";
    expect(route("check_run", payload).ignored).toMatch(/not a Sync now button/);
    payload.requested_action.identifier = "sync";
    payload.check_run.external_id = "deploy:someone-else";
    expect(route("check_run", payload).ignored).toMatch(/not tracked/);
  });

  it("re-runs the previews of the pull requests of a re-requested check suite", () => {
    const rerequested = examplesOf("check_suite").filter((payload) => payload.action === "rerequested");
    expect(rerequested.length).toBeGreaterThan(0);
    for (const payload of rerequested) {
      const suite = payload.check_suite as { pull_requests: Array<{ number: number }> };
      const plan = route("check_suite", payload);
      if (suite.pull_requests.length === 0) expect(plan.ignored).toMatch(/no pull request/);
      else
        expect(plan.jobs.map((job) => job.queue === "preview" && job.data.number)).toEqual(
          suite.pull_requests.map((pull) => pull.number),
        );
    }
  });
});
