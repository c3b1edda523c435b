// Acceptance (issue 16): with the forge configured as a GitHub App, a pull request preview
// reports through one check run per touched app, in_progress then completed, with a summary and
// an annotation on the changed line; the sticky comment is still posted, the combined status is
// not. The fake's installation tokens live two seconds and every refused call fails the test.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { seed, waitSettled } from "./cluster.ts";
import { deployment, webApp, type AppRepo } from "./fixtures.ts";
import type { Harness } from "./harness.ts";
import { previewSuite } from "./setup.ts";
import { githubPullRequest } from "./payloads.ts";

const REPO = "acme/deploy";
const { ns, kube, startHarness, appRepo } = previewSuite("pva", { forge: "github", noRefused: true });
let harness: Harness | undefined;
let app: AppRepo | undefined;

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

/** GitHub's own check_run.rerequested example, pointed at one of Ferry's runs. */
function rerequested(run: { head_sha: string; external_id: string | null; name: string }, number: number) {
  const example = examples
    .find((definition) => definition.name === "check_run")
    ?.examples.find((payload) => payload.action === "rerequested");
  if (!example) throw new Error("no check_run.rerequested example");
  const payload = structuredClone(example) as {
    repository: { full_name: string };
    check_run: Record<string, unknown> & { pull_requests: Array<Record<string, unknown>> };
  };
  payload.repository.full_name = REPO;
  payload.check_run.name = run.name;
  payload.check_run.head_sha = run.head_sha;
  payload.check_run.external_id = run.external_id;
  payload.check_run.pull_requests = [
    { number, head: { ref: "feature", sha: run.head_sha }, base: { ref: "main", sha: app?.base ?? "" } },
  ];
  return JSON.stringify(payload);
}

/** Opens pull request `number` at `head` and waits for its preview. */
async function open(number: number, head: string) {
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
  });
  const answer = await harness.postGithub("pull_request", body);
  expect(answer.status).toBe(202);
  return harness.finished(answer.jobs);
}

const configMap = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: api-settings
data:
  mode: ${value}
`;

describe("GitHub App preview, end to end", () => {
  it("posts a check run per touched app with conclusion, summary and an annotation on the changed line", async () => {
    app = await appRepo({
      "apps/web/deployment.yaml": deployment("nginx:1.25"),
      "apps/api/settings.yaml": configMap("fast"),
      "apps/idle/settings.yaml": configMap("idle").replace("api-settings", "idle-settings"),
    });
    await seed(kube, "web", ns.name, deployment("nginx:1.25"));
    await waitSettled(kube, ns.name, "web");
    harness = await startHarness(
      [
        webApp("web", "github", REPO, app.repo.dir, ns.name),
        { ...webApp("api", "github", REPO, app.repo.dir, ns.name), path: "apps/api" },
        { ...webApp("idle", "github", REPO, app.repo.dir, ns.name), path: "apps/idle" },
      ],
      [],
      { githubApp: { id: 77, installations: [{ id: 5, account: "acme" }], tokenTtlMs: 2_000 } },
    );
    const head = await app.push({
      "apps/web/deployment.yaml": deployment("nginx:1.27"),
      "apps/api/settings.yaml": configMap("fast"),
      "apps/api/extra.yaml": configMap("slow").replace("api-settings", "api-extra"),
    });
    const [outcome] = await open(12, head);
    expect(outcome).toMatchObject({ result: "posted", state: "success", comment: "created" });

    const runs = harness.github.checkRunsOf(REPO);
    expect(runs.map((run) => run.name).sort()).toEqual(["ferry preview: api", "ferry preview: web"]);
    for (const run of runs) {
      expect(run.head_sha).toBe(head);
      expect(run.history).toEqual([
        { status: "in_progress", conclusion: null },
        { status: "completed", conclusion: "success" },
      ]);
      expect(run.external_id).toBe("preview:12");
      expect(run.installation).toBe(5);
    }
    const web = runs.find((run) => run.name === "ferry preview: web");
    expect(web?.output.title).toContain("+0 ~1 −0");
    expect(web?.output.summary).toContain("nginx:1.27");
    expect(web?.output.summary?.length).toBeLessThanOrEqual(65_535);
    const imageLine = deployment("nginx:1.27").split("\n").indexOf("          image: nginx:1.27") + 1;
    expect(web?.annotations).toContainEqual(
      expect.objectContaining({
        path: "apps/web/deployment.yaml",
        start_line: imageLine,
        end_line: imageLine,
        annotation_level: "notice",
      }),
    );
    const api = runs.find((run) => run.name === "ferry preview: api");
    // Both ConfigMaps are new to the cluster: the one of the unchanged file points at its document.
    expect(api?.annotations.map((a) => [a.path, a.start_line, a.annotation_level])).toEqual([
      ["apps/api/extra.yaml", 1, "notice"],
      ["apps/api/settings.yaml", 1, "notice"],
    ]);

    // The sticky comment as before; no ferry/preview status next to the check runs.
    expect(harness.github.comments(REPO, 12)).toHaveLength(1);
    expect(harness.github.statuses).toEqual([]);

    // "Re-run" on the web check: the preview of the same head runs again, with new runs.
    const rerun = await harness.postGithub("check_run", rerequested(web ?? runs[0]!, 12));
    expect(rerun.status).toBe(202);
    const [again] = await harness.finished(rerun.jobs);
    expect(again).toMatchObject({ result: "posted", state: "success" });
    const webRuns = harness.github.checkRunsOf(REPO).filter((run) => run.name === "ferry preview: web");
    expect(webRuns).toHaveLength(2);
    expect(webRuns[1]?.head_sha).toBe(head);
    expect(webRuns[1]?.id).not.toBe(webRuns[0]?.id);
    expect(webRuns[1]?.conclusion).toBe("success");
  });

  it("ends a run whose app has no change as neutral", async () => {
    app = await appRepo({ "apps/web/deployment.yaml": deployment("nginx:1.25") });
    await seed(kube, "web", ns.name, deployment("nginx:1.25"));
    await waitSettled(kube, ns.name, "web");
    harness = await startHarness([webApp("web", "github", REPO, app.repo.dir, ns.name)], [], {
      githubApp: { id: 78, installations: [{ id: 6, account: "acme" }], tokenTtlMs: 2_000 },
    });
    // A comment-only edit: the app is touched, the rendered objects are the same.
    const head = await app.push({ "apps/web/deployment.yaml": `# tuned\n${deployment("nginx:1.25")}` });
    await open(13, head);
    const [run] = harness.github.checkRunsOf(REPO);
    expect(run?.conclusion).toBe("neutral");
    expect(run?.annotations).toEqual([]);
  });
});
