// Acceptance (issue 6): Secret masking, the size budget with a link to the full page, and a
// forge that fails (500, 403 + Retry-After) still ending in exactly one comment.
import { describe, expect, it } from "vitest";
import { secondaryRateLimit, serverError } from "../../support/fakes/github.ts";
import { checkMarkdown } from "../../unit/report/check-markdown.ts";
import { seed, snapshot, waitSettled } from "./cluster.ts";
import { deployment, secret, webApp, type AppRepo } from "./fixtures.ts";
import type { Harness } from "./harness.ts";
import { previewSuite } from "./setup.ts";
import { githubPullRequest } from "./payloads.ts";

const REPO = "acme/deploy";
const { ns, kube, startHarness, appRepo } = previewSuite("pvx", { forge: "github" });
let harness: Harness | undefined;
let app: AppRepo | undefined;

async function preview(number: number, head: string, headRepo = REPO) {
  if (!harness || !app) throw new Error("start first");
  harness.github.seedPull(REPO, { number, headSha: head });
  const body = githubPullRequest({
    action: "opened",
    repo: REPO,
    number,
    headSha: head,
    baseSha: app.base,
    headRef: "feature",
    baseRef: "main",
    headRepo,
  });
  const answer = await harness.postGithub("pull_request", body);
  expect(answer.status).toBe(202);
  return harness.finished(answer.jobs);
}

function configMaps(count: number): string {
  return Array.from(
    { length: count },
    (_, i) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  index: "${i}"\n`,
  ).join("");
}

describe("preview edge cases, end to end", () => {
  it("shows a Secret change as key names and byte lengths, never the value or its base64", async () => {
    const oldValue = "old-plaintext-Value-1";
    const newValue = "new-plaintext-Value-22";
    app = await appRepo({ "apps/web/secret.yaml": secret(oldValue) });
    await seed(kube, "web", ns.name, secret(oldValue));
    const before = await snapshot(kube, ns.name);
    harness = await startHarness([webApp("web", "github", REPO, app.repo.dir, ns.name)]);

    const head = await app.push({ "apps/web/secret.yaml": secret(newValue) });
    const [outcome] = await preview(11, head);
    expect(outcome).toMatchObject({ result: "posted", state: "success" });
    const body = harness.github.comments(REPO, 11)[0]?.body ?? "";
    expect(body).toContain("+0 ~1 −0");
    expect(body).toMatch(/password: \+{8} \(changed, 21 → 22 bytes\)/);
    const page = outcome?.result === "posted" ? await (await fetch(outcome.url)).text() : "";
    for (const value of [oldValue, newValue]) {
      for (const text of [body, page]) {
        expect(text).not.toContain(value);
        expect(text).not.toContain(Buffer.from(value).toString("base64"));
      }
    }
    expect(await snapshot(kube, ns.name)).toEqual(before);
  });

  it("keeps a 3,000-resource fork preview under GitHub's limit and serves all of it", async () => {
    app = await appRepo({ "apps/web/deployment.yaml": deployment("nginx:1.25") });
    harness = await startHarness([webApp("web", "github", REPO, app.repo.dir, ns.name)]);
    const head = await app.push({ "apps/web/many.yaml": configMaps(3000) });
    const [outcome] = await preview(12, head, "someone/deploy");
    expect(outcome).toMatchObject({ result: "posted", state: "success" });

    const body = harness.github.comments(REPO, 12)[0]?.body ?? "";
    expect(body.length).toBeLessThan(65_536);
    expect(body).toContain("+3000 ~0 −0");
    expect(body).toContain("**Truncated**");
    expect(body).toContain("render only");
    const shape = checkMarkdown(body);
    expect(shape.unclosedFence).toBe(false);
    expect(shape.detailsMisnested).toBe(false);
    expect(shape.detailsOpened).toBe(shape.detailsClosed);
    const url = outcome?.result === "posted" ? outcome.url : "";
    expect(body).toContain(`(${url})`);

    const page = await (await fetch(url)).text();
    expect(page).toContain("fork");
    const missing = Array.from({ length: 3000 }, (_, i) => `cm-${i}`).filter(
      (name) => !page.includes(`${ns.name}/${name}<`) && !page.includes(`${ns.name}/${name} `),
    );
    expect(missing).toEqual([]);
  });

  it("retries through 500s and a secondary rate limit and ends with one comment", async () => {
    app = await appRepo({ "apps/web/deployment.yaml": deployment("nginx:1.25") });
    await seed(kube, "web", ns.name, deployment("nginx:1.25"));
    await waitSettled(kube, ns.name, "web");
    harness = await startHarness([webApp("web", "github", REPO, app.repo.dir, ns.name)]);
    const { github } = harness;
    // More 500s than the client retries: the first job attempt fails and BullMQ retries it.
    github.inject("createStatus", 4, serverError());
    github.inject("listComments", 1, secondaryRateLimit(1));
    // The comment is stored but the answer is lost: it must be found again, not duplicated.
    github.inject("createComment", 1, { ...serverError(), afterApply: true });

    const head = await app.push({ "apps/web/deployment.yaml": deployment("nginx:1.27") });
    const [outcome] = await preview(13, head);
    expect(outcome).toMatchObject({ result: "posted", state: "success" });
    expect(github.comments(REPO, 13)).toHaveLength(1);
    expect(github.callsTo("createStatus").filter((c) => c.status === 500)).toHaveLength(4);
    expect(github.callsTo("listComments").some((c) => c.status === 403)).toBe(true);
    expect(github.callsTo("createComment").map((c) => c.status)).toEqual([500]);
    const states = github.statuses.filter((s) => s.sha === head).map((s) => s.state);
    expect(states.at(-1)).toBe("success");
  });
});
