// Acceptance (issue 6): the same flow for GitLab merge request hooks — MR notes and commit
// statuses. GitLab's hook carries no base SHA: the worker finds the merge-base itself.
import { describe, expect, it } from "vitest";
import { checkMarkdown } from "../../unit/report/check-markdown.ts";
import { seed, snapshot, waitSettled } from "./cluster.ts";
import { deployment, service, webApp, type AppRepo } from "./fixtures.ts";
import type { Harness } from "./harness.ts";
import { previewSuite } from "./setup.ts";
import { gitlabMergeRequest } from "./payloads.ts";

const PROJECT = "acme/platform/deploy";
const { ns, kube, startHarness, appRepo } = previewSuite("pvgl", { forge: "gitlab" });
let harness: Harness | undefined;
let app: AppRepo | undefined;

async function deliver(iid: number, head: string, oldrev?: string) {
  if (!harness) throw new Error("start first");
  harness.gitlab.seedMergeRequest(PROJECT, { iid, sha: head });
  const body = gitlabMergeRequest({
    action: oldrev ? "update" : "open",
    project: PROJECT,
    iid,
    headSha: head,
    sourceBranch: "feature",
    targetBranch: "main",
    ...(oldrev ? { oldrev } : {}),
  });
  const answer = await harness.postGitlab("Merge Request Hook", body);
  expect(answer.status).toBe(202);
  return harness.finished(answer.jobs);
}

function statesOf(sha: string): string[] {
  return (harness?.gitlab.statuses ?? [])
    .filter((s) => s.sha === sha && s.name === "ferry/preview")
    .map((s) => s.status);
}

describe("GitLab merge request preview, end to end", () => {
  it("posts one note and statuses, compares with the merge-base, and edits the note on new commits", async () => {
    app = await appRepo({ "apps/web/deployment.yaml": deployment("nginx:1.25") });
    await seed(kube, "web", ns.name, deployment("nginx:1.25"));
    await waitSettled(kube, ns.name, "web");
    const before = await snapshot(kube, ns.name);
    harness = await startHarness([webApp("web", "gitlab", PROJECT, app.repo.dir, ns.name)]);

    const head = await app.push({
      "apps/web/deployment.yaml": deployment("nginx:1.27"),
      "apps/web/service.yaml": service,
    });
    // main moves on after the fork point: the preview must still compare with the fork point.
    const mainTip = await app.advanceMain({ "README.md": "unrelated\n" });
    const [outcome] = await deliver(3, head);
    expect(outcome).toMatchObject({ result: "posted", apps: ["web"], state: "success", comment: "created" });

    const notes = harness.gitlab.notes(PROJECT, 3);
    expect(notes).toHaveLength(1);
    const body = notes[0]?.body ?? "";
    expect(body.split("\n")[0]).toBe(`<!-- ferry:preview key=gitlab/${PROJECT}!3 head=${head} -->`);
    expect(body).toContain("+1 ~1 −0");
    expect(body).toContain(`Base [\`${app.base.slice(0, 7)}\`]`);
    expect(body).not.toContain(mainTip.slice(0, 7));
    const lines = checkMarkdown(body)
      .blocks.filter((b) => b.language === "diff")
      .flatMap((b) => b.body);
    expect(lines.some((line) => /^\+\s+(- )?image: nginx:1\.27$/.test(line))).toBe(true);
    expect(statesOf(head)).toEqual(["pending", "success"]);
    const target = harness.gitlab.statuses.at(-1)?.target_url ?? "";
    expect((await fetch(target)).status).toBe(200);

    const next = await app.push({ "apps/web/deployment.yaml": deployment("nginx:1.28") });
    const [second] = await deliver(3, next, head);
    expect(second).toMatchObject({ result: "posted", comment: "updated" });
    const after = harness.gitlab.notes(PROJECT, 3);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(notes[0]?.id);
    expect(after[0]?.body).toContain(`head=${next}`);
    expect(statesOf(next)).toEqual(["pending", "success"]);
    expect(await snapshot(kube, ns.name)).toEqual(before);
  });
});
