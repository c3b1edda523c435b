// Acceptance (issue 16 item 4): every GitHub answer's x-ratelimit-remaining is recorded per
// installation as ferry_forge_ratelimit_remaining, and when an installation has fewer requests
// left than the forge's reserve (500 unless configured) previews wait for the window to reset:
// the preview of a new head is postponed (not failed), a newer head replaces it while it waits
// so the old head never spends a request, and once the forge says the window has quota again
// the newest head is previewed. The fake GitHub App fails on any unexpected or refused call.
import { Job } from "bullmq";
import { describe, expect, it } from "vitest";
import { waitFor } from "../../support/process.ts";
import { seed, waitSettled } from "./cluster.ts";
import { deployment, webApp, type AppRepo } from "./fixtures.ts";
import type { Harness } from "./harness.ts";
import { previewSuite } from "./setup.ts";
import { githubPullRequest } from "./payloads.ts";

const REPO = "acme/deploy";
const INSTALLATION = 41;
const { ns, kube, startHarness, appRepo } = previewSuite("pvq", { forge: "github", noRefused: true });
let harness: Harness | undefined;
let app: AppRepo | undefined;

async function post(action: "opened" | "synchronize", head: string): Promise<string> {
  if (!harness || !app) throw new Error("start first");
  harness.github.seedPull(REPO, { number: 30, headSha: head });
  const answer = await harness.postGithub(
    "pull_request",
    githubPullRequest({
      action,
      repo: REPO,
      number: 30,
      headSha: head,
      baseSha: app.base,
      headRef: "feature",
      baseRef: "main",
    }),
  );
  expect(answer.status).toBe(202);
  const [id] = answer.jobs;
  if (!id) throw new Error("no preview job");
  return id;
}

const stateOf = async (id: string) =>
  (await Job.fromId(harness!.runtime.enqueuer.queues.preview, id))?.getState() ?? "gone";

describe("GitHub rate limit", () => {
  it("records the quota per installation and postpones previews while it is under the reserve", async () => {
    app = await appRepo({ "apps/web/deployment.yaml": deployment("nginx:1.25") });
    await seed(kube, "web", ns.name, deployment("nginx:1.25"));
    await waitSettled(kube, ns.name, "web");
    harness = await startHarness([webApp("web", "github", REPO, app.repo.dir, ns.name)], [], {
      githubApp: { id: 401, installations: [{ id: INSTALLATION, account: "acme" }], tokenTtlMs: 60_000 },
    });
    const github = harness.github;
    const resetAt = new Date(Date.now() + 3_600_000);
    github.setRateLimit({ remaining: 120, limit: 5_000, resetAt });

    // Nothing is known before the first answer: the first preview runs and reads the quota.
    const head1 = await app.push({ "apps/web/deployment.yaml": deployment("nginx:1.26") });
    const [first] = await harness.finished([await post("opened", head1)]);
    expect(first).toMatchObject({ result: "posted" });
    const metric = await harness.runtime.registry.getSingleMetric("ferry_forge_ratelimit_remaining")?.get();
    expect(metric?.values).toContainEqual(
      expect.objectContaining({
        labels: { forge: "github", installation: String(INSTALLATION) },
        value: 120,
      }),
    );

    // 120 left, under the reserve of 500: the next head waits (delayed, not failed).
    const head2 = await app.push({ "apps/web/deployment.yaml": deployment("nginx:1.27") });
    const second = await post("synchronize", head2);
    await waitFor("the head2 preview to be postponed", async () => (await stateOf(second)) === "delayed");
    // A newer head while it waits: the old head's preview is dropped without a single call.
    const head3 = await app.push({ "apps/web/deployment.yaml": deployment("nginx:1.28") });
    const third = await post("synchronize", head3);
    expect(await stateOf(second)).toBe("gone");
    await waitFor("the head3 preview to be postponed", async () => (await stateOf(third)) === "delayed");
    const runsFor = (sha: string) => github.checkRunsOf(REPO).filter((run) => run.head_sha === sha);
    expect(runsFor(head2)).toEqual([]);
    expect(runsFor(head3)).toEqual([]);

    // A new window with quota: when the postponed job comes due (promoted here instead of
    // waiting out the hour), GET /rate_limit says so and the newest head is previewed.
    github.setRateLimit({ remaining: 4_990, limit: 5_000, resetAt: new Date(Date.now() + 3_600_000) });
    const rateChecks = github.callsTo("getRateLimit").length;
    expect(rateChecks).toBeGreaterThan(0);
    await (await Job.fromId(harness.runtime.enqueuer.queues.preview, third))?.promote();
    const [last] = await harness.finished([third]);
    expect(last).toMatchObject({ result: "posted" });
    expect(runsFor(head3).map((run) => run.conclusion)).toEqual(["success"]);
    expect(runsFor(head2)).toEqual([]);
    expect(github.callsTo("getRateLimit").length).toBe(rateChecks + 1);
  });
});
