// Writing an image update (issue 19) on real git and the fake forges: a new tag becomes one
// commit on ferry/images/<app> in the real deployment repository that changes exactly the
// marked line, and ONE change request; a newer tag moves the same branch and edits the same
// request; when the tracked branch already has the tag, the request is closed. On GitHub and
// on GitLab.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import type { FerryConfig } from "../../../src/config/schema.ts";
import { isAppError } from "../../../src/errors.ts";
import { createForge, type Forge } from "../../../src/forges/index.ts";
import { CliGitService } from "../../../src/git/service.ts";
import { imageBranch, proposeImageUpdate, type ProposeDeps } from "../../../src/images/propose.ts";
import type { ImagePush } from "../../../src/images/pushes.ts";
import type { PreviewJob } from "../../../src/queue/types.ts";
import { FakeGithub } from "../../support/fakes/github.ts";
import { FakeGitlab } from "../../support/fakes/gitlab.ts";
import { createRepo, git, type TestRepo } from "../../support/git.ts";
import { webImageConfig } from "../../support/images.ts";
import { captureLogs } from "../../support/logs.ts";

const DEPLOYMENT = [
  "apiVersion: apps/v1",
  "kind: Deployment",
  "metadata: { name: web }",
  "spec:",
  "  template:",
  "    spec:",
  "      containers:",
  "        - name: web",
  "          # the image Ferry keeps current",
  "          image: 'registry.example.com/acme/web:1.0.0' # ferry:image web",
  "",
].join("\n");
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const source = { url: "https://github.com/acme/web", revision: "0123456789abcdef0123456789abcdef01234567" };

let repo: TestRepo;
let cacheDir: string;

beforeEach(async () => {
  repo = await createRepo({
    "apps/web/deployment.yaml": DEPLOYMENT,
    "apps/other/cm.yaml": "kind: ConfigMap\n",
  });
  cacheDir = await mkdtemp(join(tmpdir(), "ferry-propose-"));
});

afterEach(async () => {
  await repo.cleanup();
  await rm(cacheDir, { recursive: true, force: true });
});

function configFor(forge: Record<string, unknown>): FerryConfig {
  return webImageConfig(
    forge,
    [{ name: "harbor", type: "distribution", url: "https://registry.example.com" }],
    {
      app: { repoUrl: repo.dir },
    },
  );
}

/** Preview jobs the proposals queued (the preview itself is the preview worker's, tested elsewhere). */
let previews: PreviewJob[] = [];
/** The pushes the proposals noted for automatic merges (src/images/pushes.ts), by app. */
let pushes: [string, ImagePush][] = [];

function depsFor(config: FerryConfig, forge: Forge): ProposeDeps {
  previews = [];
  pushes = [];
  return {
    pushes: {
      record: (app, push) => {
        pushes.push([app, push]);
        return Promise.resolve();
      },
    },
    enqueuer: {
      enqueuePreview: (job) => {
        previews.push(job);
        return Promise.resolve(`preview/${job.number}@${job.headSha}`);
      },
    },
    config,
    git: new CliGitService({ cacheDir }),
    location: (app) => ({ repo: app.repo, url: repo.dir }),
    forgeOf: () => forge,
    logger: captureLogs().logger,
  };
}

const fast = { retryUnitMs: 5, writeIntervalMs: 0 };

/** A fake GitHub for this test (closed after it, failing it on any unexpected call) and deps on it. */
async function onGithub(): Promise<{ fake: FakeGithub; deps: ProposeDeps }> {
  const fake = await FakeGithub.start();
  onTestFinished(async () => {
    await fake.close();
    fake.assertNoUnexpected();
  });
  const config = configFor({
    name: "gh",
    type: "github",
    apiUrl: fake.url,
    token: fake.token,
    webhookSecret: "s",
  });
  return { fake, deps: depsFor(config, createForge(config.forges[0]!, fast)) };
}

/** The same on a fake GitLab. */
async function onGitlab(): Promise<{ fake: FakeGitlab; deps: ProposeDeps }> {
  const fake = await FakeGitlab.start();
  onTestFinished(async () => {
    await fake.close();
    fake.assertNoUnexpected();
  });
  const config = configFor({
    name: "gl",
    type: "gitlab",
    url: fake.url,
    token: fake.token,
    webhookSecret: "s",
  });
  return { fake, deps: depsFor(config, createForge(config.forges[0]!, fast)) };
}

/** Lines that differ between the tracked branch and Ferry's branch. */
async function changedLines(): Promise<string[]> {
  const diff = await git(repo.dir, "diff", "--unified=0", "main", imageBranch("web"));
  return diff.split("\n").filter((line) => /^[-+] /.test(line));
}

describe("proposing an image update", () => {
  it("on GitHub: one pull request, moved on a newer tag, closed once main has the tag", async () => {
    const { fake, deps } = await onGithub();

    const [first] = await proposeImageUpdate(deps, {
      image: "web",
      tag: "1.2.0",
      digest: digest("a"),
      source,
    });
    expect(first).toMatchObject({
      app: "web",
      result: "proposed",
      created: true,
      branch: "ferry/images/web",
    });
    expect(await changedLines()).toEqual([
      "-          image: 'registry.example.com/acme/web:1.0.0' # ferry:image web",
      "+          image: 'registry.example.com/acme/web:1.2.0' # ferry:image web",
    ]);
    const message = await git(repo.dir, "log", "-1", "--format=%an|%B", imageBranch("web"));
    expect(message).toContain("Ferry|images: acme/web 1.2.0");
    expect(message).toContain(`Digest: ${digest("a")}`);
    expect(message).toContain(`Source-Revision: ${source.revision}`);
    // The same, as trailers git itself parses (what the deploy history reads back).
    const trailers = await git(repo.dir, "log", "-1", "--format=%(trailers:only,unfold)", imageBranch("web"));
    expect(trailers.split("\n")).toEqual([
      `Ferry-Image: web acme/web:1.2.0@${digest("a")}`,
      `Ferry-Image-Source: ${source.url}`,
      `Ferry-Image-Revision: ${source.revision}`,
    ]);
    const pulls = () => [...fake.pulls.values()];
    expect(pulls()).toHaveLength(1);
    expect(pulls()[0]).toMatchObject({ headRef: "ferry/images/web", baseRef: "main", state: "open" });
    expect(pulls()[0]?.body).toContain(`${source.url}/commit/${source.revision}`);
    // Its preview is queued for the pushed head, as the forge's webhook would have it.
    const head = await git(repo.dir, "rev-parse", imageBranch("web"));
    expect(pushes).toEqual([["web", { commit: head, image: "web" }]]);
    expect(previews).toEqual([
      expect.objectContaining({
        forge: "gh",
        repo: "acme/deploy",
        number: pulls()[0]?.number,
        headSha: head,
        headRef: "ferry/images/web",
        baseRef: "main",
        apps: ["web"],
      }),
    ]);

    // The same tag again (the next poll, a redelivered notification): the branch stays, the
    // request is left as it is and its preview is not run again.
    const [again] = await proposeImageUpdate(deps, {
      image: "web",
      tag: "1.2.0",
      digest: digest("a"),
      source,
    });
    expect(again).toMatchObject({ result: "proposed", created: false, commit: head });
    expect(await git(repo.dir, "rev-parse", imageBranch("web"))).toBe(head);
    expect(previews).toHaveLength(1);
    expect(fake.callsTo("updatePull")).toEqual([]);

    const [second] = await proposeImageUpdate(deps, { image: "web", tag: "1.3.0", digest: digest("b") });
    expect(second).toMatchObject({
      result: "proposed",
      created: false,
      changeRequest: (first as { changeRequest: number }).changeRequest,
    });
    expect(await changedLines()).toEqual([
      "-          image: 'registry.example.com/acme/web:1.0.0' # ferry:image web",
      "+          image: 'registry.example.com/acme/web:1.3.0' # ferry:image web",
    ]);
    expect(pulls()).toHaveLength(1);
    expect(pulls()[0]?.title).toContain("1.3.0");
    expect(pushes.map(([, push]) => push.commit)).toEqual([
      head,
      await git(repo.dir, "rev-parse", imageBranch("web")),
    ]);

    // Someone merges 1.3.0 by hand: the request has nothing left to do.
    await git(repo.dir, "merge", "-q", "--ff-only", imageBranch("web"));
    const [done] = await proposeImageUpdate(deps, { image: "web", tag: "1.3.0", digest: digest("b") });
    expect(done).toEqual({ app: "web", result: "up-to-date", closed: pulls()[0]?.number });
    expect(pulls()[0]?.state).toBe("closed");
  });

  it("on GitLab: one merge request, edited in place for a newer tag", async () => {
    const { fake, deps } = await onGitlab();
    await proposeImageUpdate(deps, { image: "web", tag: "1.2.0", digest: digest("a") });
    const [second] = await proposeImageUpdate(deps, { image: "web", tag: "1.3.0", digest: digest("b") });
    expect(second).toMatchObject({ result: "proposed", created: false });
    const requests = [...fake.mergeRequests.values()];
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ sourceBranch: "ferry/images/web", targetBranch: "main" });
    // The fake leaves `state` unset for an MR opened through the API: GitLab's default, opened.
    expect(requests[0]?.state ?? "opened").toBe("opened");
    expect(requests[0]?.description).toContain("acme/web:1.3.0");
    expect(await changedLines()).toEqual([
      "-          image: 'registry.example.com/acme/web:1.0.0' # ferry:image web",
      "+          image: 'registry.example.com/acme/web:1.3.0' # ferry:image web",
    ]);
  });

  it("refuses a tag with shell or YAML metacharacters before anything is written", async () => {
    const { fake, deps } = await onGithub();
    const [result] = await proposeImageUpdate(deps, {
      image: "web",
      tag: "1.2.0\n# x: $(id)",
      digest: digest("a"),
    });
    expect(result).toMatchObject({ result: "no-markers" });
    expect((result as { problems: string[] }).problems.join()).toContain("not an OCI tag");
    const branch = await git(repo.dir, "branch", "--list", imageBranch("web"));
    expect(branch).toBe("");
    expect(fake.pulls.size).toBe(0);
    expect(pushes).toEqual([]);
  });
});

// A write that fails half-way must say so, not report success.
it("surfaces a forge without change requests as a coded error", async () => {
  const config = configFor({
    name: "gh",
    type: "github",
    apiUrl: "http://127.0.0.1:9",
    token: "t",
    webhookSecret: "s",
  });
  const forge = { ...createForge(config.forges[0]!, {}), upsertChangeRequest: undefined } as Forge;
  const error = await proposeImageUpdate(depsFor(config, forge), {
    image: "web",
    tag: "1.2.0",
    digest: digest("a"),
  }).catch((failure: unknown) => failure);
  expect(isAppError(error, "IMAGE_REFUSED")).toBe(true);
});
