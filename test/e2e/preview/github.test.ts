// Acceptance (issue 6): a signed pull_request webhook goes through the real receiver, queue and
// worker, dry-runs against the control plane and ends in one sticky comment and a status.
import { describe, expect, it } from "vitest";
import { PREVIEW_PAGE_CSP } from "../../../src/report/index.ts";
import { checkMarkdown } from "../../unit/report/check-markdown.ts";
import { seed, snapshot, waitSettled } from "./cluster.ts";
import { deployment, service, webApp, type AppRepo } from "./fixtures.ts";
import type { Harness } from "./harness.ts";
import { previewSuite } from "./setup.ts";
import { githubPullRequest } from "./payloads.ts";

const REPO = "acme/deploy";
const { ns, kube, startHarness, appRepo } = previewSuite("pv", { forge: "github" });
let harness: Harness | undefined;
let app: AppRepo | undefined;

async function open(number: number, head: string, action: "opened" | "synchronize" = "opened") {
  if (!harness || !app) throw new Error("start first");
  harness.github.seedPull(REPO, { number, headSha: head });
  const body = githubPullRequest({
    action,
    repo: REPO,
    number,
    headSha: head,
    baseSha: app.base,
    headRef: "feature",
    baseRef: "main",
  });
  const answer = await harness.postGithub("pull_request", body);
  expect(answer.status).toBe(202);
  return harness.finished(answer.jobs);
}

function statusesOf(sha: string) {
  return (harness?.github.statuses ?? []).filter((s) => s.sha === sha && s.context === "ferry/preview");
}

describe("GitHub pull request preview, end to end", () => {
  it("posts one comment with the dry-run diff and a success status, then edits it on synchronize", async () => {
    app = await appRepo({ "apps/web/deployment.yaml": deployment("nginx:1.25") });
    await seed(kube, "web", ns.name, deployment("nginx:1.25"));
    await waitSettled(kube, ns.name, "web");
    const before = await snapshot(kube, ns.name);
    harness = await startHarness([webApp("web", "github", REPO, app.repo.dir, ns.name)]);

    const head = await app.push({
      "apps/web/deployment.yaml": deployment("nginx:1.27"),
      "apps/web/service.yaml": service,
    });
    const [outcome] = await open(7, head);
    expect(outcome).toMatchObject({ result: "posted", apps: ["web"], state: "success", comment: "created" });

    const comments = harness.github.comments(REPO, 7);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? "";
    expect(body.split("\n")[0]).toBe(`<!-- ferry:preview key=github/${REPO}!7 head=${head} -->`);
    expect(body).toContain("+1 ~1 −0");
    expect(body).toContain("✅ dry-run");
    const diffs = checkMarkdown(body).blocks.filter((b) => b.language === "diff");
    expect(diffs.some((b) => b.body.some((line) => /^-\s+(- )?image: nginx:1\.25$/.test(line)))).toBe(true);
    expect(diffs.some((b) => b.body.some((line) => /^\+\s+(- )?image: nginx:1\.27$/.test(line)))).toBe(true);

    const statuses = statusesOf(head);
    expect(statuses.map((s) => s.state)).toEqual(["pending", "success"]);
    const target = statuses[1]?.target_url ?? "";
    expect(target).toMatch(new RegExp(`^${harness.url}/previews/[A-Za-z0-9_-]{32}$`));
    const page = await fetch(target);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toBe(PREVIEW_PAGE_CSP);
    expect(await page.text()).toContain("nginx:1.27");

    // Dry-run only: nothing was created or written.
    expect(await snapshot(kube, ns.name)).toEqual(before);

    const next = await app.push({ "apps/web/deployment.yaml": deployment("nginx:1.28") });
    const [second] = await open(7, next, "synchronize");
    expect(second).toMatchObject({ result: "posted", comment: "updated" });
    const after = harness.github.comments(REPO, 7);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(comments[0]?.id);
    expect(after[0]?.body.split("\n")[0]).toContain(`head=${next}`);
    expect(after[0]?.body).toContain("nginx:1.28");
    expect(statusesOf(next).map((s) => s.state)).toEqual(["pending", "success"]);
    expect(await snapshot(kube, ns.name)).toEqual(before);
  });

  it("reports an immutable selector change as a blocking failure and changes nothing", async () => {
    app = await appRepo({ "apps/web/deployment.yaml": deployment("nginx:1.25") });
    await seed(kube, "web", ns.name, deployment("nginx:1.25"));
    await waitSettled(kube, ns.name, "web");
    const before = await snapshot(kube, ns.name);
    harness = await startHarness([webApp("web", "github", REPO, app.repo.dir, ns.name)]);

    const head = await app.push({ "apps/web/deployment.yaml": deployment("nginx:1.25", "web-v2") });
    const [outcome] = await open(8, head);
    expect(outcome).toMatchObject({ result: "posted", state: "failure" });
    const body = harness.github.comments(REPO, 8)[0]?.body ?? "";
    expect(body).toMatch(/field is immutable/);
    expect(body).toContain("1 blocking error");
    expect(statusesOf(head).map((s) => s.state)).toEqual(["pending", "failure"]);
    expect(await snapshot(kube, ns.name)).toEqual(before);
  });

  it("does not post for a head that is no longer the pull request's newest", async () => {
    app = await appRepo({ "apps/web/deployment.yaml": deployment("nginx:1.25") });
    harness = await startHarness([webApp("web", "github", REPO, app.repo.dir, ns.name)]);
    const old = await app.push({ "apps/web/deployment.yaml": deployment("nginx:1.26") });
    const newest = await app.push({ "apps/web/deployment.yaml": deployment("nginx:1.27") });
    harness.github.seedPull(REPO, { number: 9, headSha: newest });
    const body = githubPullRequest({
      action: "synchronize",
      repo: REPO,
      number: 9,
      headSha: old,
      baseSha: app.base,
      headRef: "feature",
      baseRef: "main",
    });
    const answer = await harness.postGithub("pull_request", body);
    const [outcome] = await harness.finished(answer.jobs);
    expect(outcome).toEqual({ result: "superseded", newestHead: newest });
    expect(harness.github.comments(REPO, 9)).toHaveLength(0);
    expect(harness.github.statuses).toHaveLength(0);
  });
});
