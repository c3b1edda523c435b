// Acceptance (issue 19, item 4): `autoMerge: true` merges Ferry's own image update once its
// preview is green, through the forge API and pinned to the previewed commit — and nothing
// else. On real parts: the image worker's proposal deps (real git pushing to a real deployment
// repository, Ferry's push record in the run's Redis), the preview worker dry-running against
// the run's control plane, and the GitHub and GitLab fakes, which fail the test on any call
// they do not expect.
import { describe, expect, it } from "vitest";
import type { RecordedCall } from "../../support/fakes/server.ts";
import { imageBranch, proposeImageUpdate } from "../../../src/images/propose.ts";
import type { PreviewOutcome } from "../../../src/preview/pipeline.ts";
import { imageProposeDeps } from "../../../workers/image.ts";
import { git, type TestRepo } from "../../support/git.ts";
import { deployment, webApp } from "../preview/fixtures.ts";
import type { Harness } from "../preview/harness.ts";
import { githubPullRequest, gitlabMergeRequest } from "../preview/payloads.ts";
import { previewSuite } from "../preview/setup.ts";

const MARKED = "registry.example.com/acme/web:1.0.0 # ferry:image web";
const digest = `sha256:${"d".repeat(64)}`;

/** selector and template labels differ: the API server refuses it, so its preview is never green. */
const refusedDeployment = deployment(MARKED).replace(
  "      labels:\n        app: web",
  "      labels:\n        app: other",
);

/** What differs between the forges: how their fakes are read and steered. */
interface ForgeSide {
  forge: "github" | "gitlab";
  repo: string;
  /** The forge learns the branch's new head, as it does from the push. */
  moved(h: Harness, number: number, head: string): void;
  /** The repository's rules (branch protection, merge checks) refuse to merge it: a 405. */
  refuseMerges(h: Harness, number: number): void;
  /** The next merge answers the forge's "head moved" 409. */
  headMovesOnMerge(h: Harness): void;
  mergeCalls(h: Harness): RecordedCall[];
  state(h: Harness, number: number): string;
  /** What Ferry's own account wrote on the request, besides its preview. */
  ferryComments(h: Harness, number: number): string[];
  /** A request a person opened (by "alice"), delivered by the forge's webhook; the job ids. */
  deliver(
    h: Harness,
    input: { number: number; head: string; base: string; branch: string; author: string },
  ): Promise<string[]>;
}

const github: ForgeSide = {
  forge: "github",
  repo: "acme/deploy",
  moved: (h, number, head) => {
    const pull = h.github.pulls.get(`acme/deploy#${number}`);
    if (pull) pull.headSha = head;
  },
  refuseMerges: (h, number) => {
    const pull = h.github.pulls.get(`acme/deploy#${number}`);
    if (pull) pull.mergeable = false;
  },
  headMovesOnMerge: (h) =>
    h.github.inject("mergePull", 1, {
      status: 409,
      body: {
        message: "Head branch was modified. Review and try the merge again.",
        documentation_url: "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request",
        status: "409",
      },
    }),
  mergeCalls: (h) => h.github.callsTo("mergePull"),
  state: (h, number) => {
    const pull = h.github.pulls.get(`acme/deploy#${number}`);
    return pull?.mergedAt ? "merged" : (pull?.state ?? "none");
  },
  ferryComments: (h, number) =>
    h.github
      .commentsBy("acme/deploy", number, h.github.login)
      .map((c) => c.body)
      .filter((b) => !b.includes("ferry:preview")),
  deliver: async (h, input) => {
    h.github.seedPull("acme/deploy", {
      number: input.number,
      headSha: input.head,
      headRef: input.branch,
      baseRef: "main",
      baseSha: input.base,
      author: input.author,
    });
    const body = githubPullRequest({
      action: "synchronize",
      repo: "acme/deploy",
      number: input.number,
      headSha: input.head,
      baseSha: input.base,
      headRef: input.branch,
      baseRef: "main",
    });
    const answer = await h.postGithub("pull_request", body);
    expect(answer.status).toBe(202);
    return answer.jobs;
  },
};

const gitlab: ForgeSide = {
  forge: "gitlab",
  repo: "acme/platform/deploy",
  moved: (h, number, head) => {
    const mr = h.gitlab.mergeRequests.get(`acme/platform/deploy!${number}`);
    if (mr) mr.sha = head;
  },
  refuseMerges: (h, number) => {
    const mr = h.gitlab.mergeRequests.get(`acme/platform/deploy!${number}`);
    if (mr) mr.mergeable = false;
  },
  headMovesOnMerge: (h) =>
    h.gitlab.inject("acceptMergeRequest", 1, {
      status: 409,
      body: { message: `SHA does not match HEAD of source branch: ${"9".repeat(40)}` },
    }),
  mergeCalls: (h) => h.gitlab.callsTo("acceptMergeRequest"),
  state: (h, number) => h.gitlab.mergeRequests.get(`acme/platform/deploy!${number}`)?.state ?? "opened",
  ferryComments: (h, number) =>
    h.gitlab
      .notesBy("acme/platform/deploy", number, h.gitlab.username)
      .map((n) => n.body)
      .filter((b) => !b.includes("ferry:preview")),
  deliver: async (h, input) => {
    h.gitlab.seedMergeRequest("acme/platform/deploy", {
      iid: input.number,
      sha: input.head,
      sourceBranch: input.branch,
      targetBranch: "main",
      author: input.author,
    });
    const body = gitlabMergeRequest({
      action: "update",
      project: "acme/platform/deploy",
      iid: input.number,
      headSha: input.head,
      sourceBranch: input.branch,
      targetBranch: "main",
      oldrev: input.base,
    });
    const answer = await h.postGitlab("Merge Request Hook", body);
    expect(answer.status).toBe(202);
    return answer.jobs;
  },
};

describe.each([github, gitlab])("automatic merge of image updates on $forge", (side) => {
  const { ns, startHarness, appRepo } = previewSuite(`am${side.forge.slice(0, 2)}`, { forge: side.forge });

  async function start(options: {
    autoMerge: boolean;
    manifest?: string;
  }): Promise<{ h: Harness; repo: TestRepo }> {
    const app = await appRepo({ "apps/web/deployment.yaml": options.manifest ?? deployment(MARKED) });
    await git(app.repo.dir, "checkout", "-q", "main");
    const h = await startHarness([webApp("web", side.forge, side.repo, app.repo.dir, ns.name)], [], {
      registries: [{ name: "harbor", type: "distribution", url: "https://registry.example.com" }],
      images: [
        {
          name: "web",
          registry: "harbor",
          repository: "acme/web",
          policy: { semver: ">=1.0.0 <2.0.0" },
          apps: ["web"],
          autoMerge: options.autoMerge,
        },
      ],
    });
    return { h, repo: app.repo };
  }

  /**
   * acme/web 1.2.0 proposed by the image worker's own deps. The forge learns the pushed head
   * (as from the push itself), `before` may steer the fake, then the preview Ferry queued runs
   * unless `preview` is false.
   */
  async function propose(
    h: Harness,
    options: { before?: (number: number) => void; preview?: boolean } = {},
  ): Promise<{ number: number; head: string; outcome: PreviewOutcome | undefined }> {
    const jobs: string[] = [];
    const deps = {
      ...imageProposeDeps(h.runtime),
      enqueuer: {
        enqueuePreview: async (job: Parameters<Harness["runtime"]["enqueuer"]["enqueuePreview"]>[0]) => {
          side.moved(h, job.number, job.headSha);
          options.before?.(job.number);
          if (options.preview === false) return "not queued";
          const id = await h.runtime.enqueuer.enqueuePreview(job);
          jobs.push(id);
          return id;
        },
      },
    };
    const [result] = await proposeImageUpdate(deps, { image: "web", tag: "1.2.0", digest });
    if (result?.result !== "proposed") throw new Error(`not proposed: ${JSON.stringify(result)}`);
    const [outcome] = await h.finished(jobs);
    return { number: result.changeRequest, head: result.commit, outcome };
  }

  it("merges a green image update once, pinned to the previewed commit", async () => {
    const { h, repo } = await start({ autoMerge: true });
    const { number, head, outcome } = await propose(h);
    expect(head).toBe(await git(repo.dir, "rev-parse", imageBranch("web")));
    expect(outcome).toMatchObject({
      result: "posted",
      state: "success",
      autoMerge: { reason: "AutoMerged", result: "succeeded" },
    });
    const calls = side.mergeCalls(h);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body).toMatchObject({ sha: head });
    expect(side.state(h, number)).toBe("merged");
    expect(side.ferryComments(h, number)).toEqual([]);
    expect(h.logs.text()).toContain(`merged automatically at ${head.slice(0, 12)} (image policy web)`);
  });

  it("leaves a green image update alone when the policy has autoMerge off", async () => {
    const { h } = await start({ autoMerge: false });
    const { number, outcome } = await propose(h);
    expect(outcome).toMatchObject({
      result: "posted",
      state: "success",
      autoMerge: { reason: "AutoMergeOff" },
    });
    expect(side.mergeCalls(h)).toEqual([]);
    expect(side.state(h, number)).not.toBe("merged");
  });

  it("never merges an image update whose preview is not green", async () => {
    const { h } = await start({ autoMerge: true, manifest: refusedDeployment });
    const { number, outcome } = await propose(h);
    expect(outcome).toMatchObject({
      result: "posted",
      state: "failure",
      autoMerge: { reason: "PreviewNotGreen" },
    });
    expect(side.mergeCalls(h)).toEqual([]);
    expect(side.state(h, number)).not.toBe("merged");
  });

  it("never merges a person's request (from any branch), nor a commit pushed onto Ferry's branch in Ferry's name", async () => {
    const { h, repo } = await start({ autoMerge: true });
    const base = await repo.head();

    // A person's branch with the same kind of change: green, but not Ferry's.
    await git(repo.dir, "checkout", "-q", "feature");
    await repo.write({ "apps/web/deployment.yaml": deployment(MARKED.replace("1.0.0", "1.2.0")) });
    const feature = await repo.commit("bump web by hand");
    await git(repo.dir, "checkout", "-q", "main");
    const [person] = await h.finished(
      await side.deliver(h, { number: 50, head: feature, base, branch: "feature", author: "alice" }),
    );
    expect(person).toMatchObject({ result: "posted", state: "success" });
    expect(person).not.toHaveProperty("autoMerge");

    // Ferry's branch and request, but the head is a commit someone else pushed, claiming to be Ferry.
    const { number, head: ferrys } = await propose(h, { preview: false });
    // Ferry's own commit, but in a request someone else opened from Ferry's branch.
    const [adopted] = await h.finished(
      await side.deliver(h, { number, head: ferrys, base, branch: imageBranch("web"), author: "alice" }),
    );
    expect(adopted).toMatchObject({ state: "success", autoMerge: { reason: "NotFerrysUpdate" } });
    expect(JSON.stringify(adopted)).toContain("opened by alice, not by Ferry");

    await git(repo.dir, "checkout", "-q", imageBranch("web"));
    await repo.write({
      "apps/web/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
    });
    await git(repo.dir, "add", "-A");
    await git(
      repo.dir,
      "commit",
      "-q",
      "--author=Ferry <ferry@noreply.invalid>",
      "-m",
      "images: acme/web 1.2.0",
    );
    const forged = await repo.head();
    expect(await git(repo.dir, "log", "-1", "--format=%an <%ae>", forged)).toBe(
      "Ferry <ferry@noreply.invalid>",
    );
    await git(repo.dir, "checkout", "-q", "main");
    side.moved(h, number, forged);
    const [sneaked] = await h.finished(
      await side.deliver(h, {
        number,
        head: forged,
        base,
        branch: imageBranch("web"),
        author: side.forge === "github" ? h.github.login : h.gitlab.username,
      }),
    );
    expect(sneaked).toMatchObject({
      result: "posted",
      state: "success",
      autoMerge: { reason: "NotFerrysUpdate" },
    });
    expect((sneaked as { autoMerge?: { message?: string } }).autoMerge?.message).toContain(
      "is not the commit Ferry pushed",
    );

    expect(side.mergeCalls(h)).toEqual([]);
    expect(side.state(h, number)).not.toBe("merged");
  });

  it("logs a refusal by the forge's rules (405), says why once, leaves it open and does not retry", async () => {
    const { h } = await start({ autoMerge: true });
    const { number, outcome } = await propose(h, { before: (n) => side.refuseMerges(h, n) });
    expect(outcome).toMatchObject({
      result: "posted",
      state: "success",
      autoMerge: { reason: "MergeRefused", result: "failed" },
    });
    expect(side.mergeCalls(h).map((call) => call.status)).toEqual([405]);
    expect(side.state(h, number)).not.toBe("merged");
    const line = h.logs
      .lines()
      .find((l) => String(l.msg).startsWith("image update not merged automatically"));
    expect(line).toMatchObject({ level: 40, reason: "MergeRefused" });
    expect(String(line?.msg)).toContain("HTTP 405");
    const [comment, ...more] = side.ferryComments(h, number);
    expect(more).toEqual([]);
    expect(comment).toContain("did not merge this image update automatically");
    expect(comment).toContain("405");
  });

  it("refuses nothing it did not preview: a head that moved is the forge's 409, left open", async () => {
    const { h } = await start({ autoMerge: true });
    const { number, head, outcome } = await propose(h, { before: () => side.headMovesOnMerge(h) });
    expect(outcome).toMatchObject({ autoMerge: { reason: "MergeRefused" } });
    const calls = side.mergeCalls(h);
    expect(calls.map((call) => [call.status, (call.body as { sha?: string }).sha])).toEqual([[409, head]]);
    expect(side.state(h, number)).not.toBe("merged");
    expect(h.logs.text()).toContain("HTTP 409");
  });
});
