// Acceptance (issue 19), the whole loop on real parts: Debian's docker-registry on loopback
// notifying Ferry's receiver (POST /webhooks/<registry>, Authorization: Bearer <token>), images
// pushed through the registry's HTTP API, Ferry's image and preview workers as `ferry up` runs
// them (workers/index.ts) on the run's Redis, a real local deployment repository with a marked
// line, the fake GitHub (which hosts that repository: a pull's head is its branch's head there),
// and the run's control plane for the preview's server-side dry-run.
import { afterEach, describe, expect, it } from "vitest";
import { parsePreviewMarker } from "../../../src/report/preview.ts";
import { DISTRIBUTION_EVENTS_TYPE } from "../../../src/images/notifications/distribution.ts";
import { startWorkers } from "../../../workers/index.ts";
import { testKubeClient, useNamespace } from "../../support/cluster.ts";
import { startE2e, type E2eBase } from "../../support/e2e.ts";
import { createRepo, git, type TestRepo } from "../../support/git.ts";
import { webImage } from "../../support/images.ts";
import { freePort } from "../../support/ports.ts";
import { waitFor } from "../../support/process.ts";
import { startRegistry, type TestRegistry } from "../../support/registry.ts";
import { webApp } from "../preview/fixtures.ts";

const REPO = "acme/deploy";
const BRANCH = "ferry/images/web";
const TOKEN = "registry-notify-token-for-e2e";
const FILE = "apps/web/deployment.yaml";
const SOURCE = {
  "org.opencontainers.image.source": "https://github.com/acme/web",
  "org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
};
// The machine is loaded (several suites share two cores): conditions get room, never a deadline
// that the flow is asserted against.
const LONG = { timeoutMs: 120_000, intervalMs: 200 };

function deployment(image: string): string {
  return [
    "apiVersion: apps/v1",
    "kind: Deployment",
    "metadata:",
    "  name: web",
    "spec:",
    "  replicas: 1",
    "  selector:",
    "    matchLabels: { app: web }",
    "  template:",
    "    metadata:",
    "      labels: { app: web }",
    "    spec:",
    "      containers:",
    "        - name: web",
    "          # Ferry keeps this line at the newest 1.x",
    `          image: ${image} # ferry:image web`,
    "",
  ].join("\n");
}

const ns = useNamespace("img");
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  // Newest first: Ferry before the registry it reads and the repository it writes; the
  // namespace goes after (useNamespace's hook runs after this one).
  for (const close of closers.splice(0).reverse()) await close();
});

interface Flow {
  ferry: E2eBase;
  registry: TestRegistry;
  repo: TestRepo;
  /** The registry's host:port, as the marked line names the image. */
  host: string;
}

/**
 * A registry (notifying Ferry with `notifyToken`, or not at all), the deployment repository at
 * 1.0.0, and Ferry following `acme/web` `>=1.0.0 <2.0.0` for the app web. `pollInterval` is the
 * registry's: 8760h where only notifications are to move things. The poll's time is fixed by
 * the image's name (jitterOf), once per interval: with 24h it came at one minute of every day,
 * and a run at that minute failed; with a year it is one instant a year. `notifyToken` is what
 * the registry sends, which need not be Ferry's webhookSecret.
 */
async function startFlow(options: {
  notifyToken?: string;
  webhookSecret?: string;
  pollInterval: string;
}): Promise<Flow> {
  const port = await freePort();
  const registry = await startRegistry(
    options.notifyToken
      ? { url: `http://127.0.0.1:${port}/webhooks/harbor`, token: options.notifyToken }
      : undefined,
  );
  closers.push(() => registry.stop());
  const host = new URL(registry.url).host;
  const repo = await createRepo({ [FILE]: deployment(`${host}/acme/web:1.0.0`) });
  closers.push(() => repo.cleanup());
  const ferry = await startE2e({
    port,
    workDirPrefix: "ferry-images-e2e-",
    apps: [webApp("web", "github", REPO, repo.dir, ns.name)],
    registries: [
      {
        name: "harbor",
        type: "distribution",
        url: registry.url,
        pollInterval: options.pollInterval,
        ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}),
      },
    ],
    images: [webImage()],
  });
  closers.push(async () => {
    try {
      ferry.github.assertNoUnexpected();
    } finally {
      await ferry.close();
    }
  });
  ferry.github.hostRepository(REPO, repo.dir);
  // The receiver is ferry's own; the image and preview workers are started as `ferry up` does.
  const workers = await startWorkers(ferry.runtime, ["image", "preview"]);
  ferry.defer(() => workers.stop(5_000));
  return { ferry, registry, repo, host };
}

/**
 * Until neither the image nor the preview queue has anything waiting, running or retrying (the
 * poll scheduler's next run, always delayed, does not count).
 */
async function idle(ferry: E2eBase): Promise<void> {
  const { image, preview } = ferry.runtime.enqueuer.queues;
  await waitFor(
    "the image and preview queues to be idle",
    async () => {
      for (const queue of [image, preview]) {
        const counts = await queue.getJobCounts("waiting", "active", "prioritized");
        if (Object.values(counts).some((count) => count > 0)) return false;
        const delayed = await queue.getJobs(["delayed"]);
        if (delayed.some((job) => job.repeatJobKey === undefined)) return false;
      }
      return true;
    },
    LONG,
  );
}

async function branchHead(repo: TestRepo): Promise<string | undefined> {
  return git(repo.dir, "rev-parse", "--verify", "--quiet", `refs/heads/${BRANCH}`).catch(() => undefined);
}

/** The lines Ferry's branch changes against main (git diff, without context). */
async function changedLines(repo: TestRepo): Promise<string[]> {
  const diff = await git(repo.dir, "diff", "--unified=0", "main", BRANCH);
  return diff.split("\n").filter((line) => /^[-+](?![-+]{2} )/.test(line));
}

/** Until the branch says `tag` on the marked line; returns the branch's head. */
async function branchAt(flow: Flow, tag: string): Promise<string> {
  await waitFor(
    `${BRANCH} to say ${tag}`,
    async () => {
      if (!(await branchHead(flow.repo))) return false;
      return (await git(flow.repo.dir, "show", `${BRANCH}:${FILE}`)).includes(`/acme/web:${tag} #`);
    },
    { ...LONG, describe: () => flow.ferry.logs.text().slice(-4000) },
  );
  return (await branchHead(flow.repo))!;
}

/** Until Ferry's preview comment on pull `number` is for `head` and its status is final. */
async function previewedAt(flow: Flow, number: number, head: string) {
  const { github, logs } = flow.ferry;
  await waitFor(
    `the preview of ${head} on #${number}`,
    () =>
      github.comments(REPO, number).some((c) => parsePreviewMarker(c.body)?.head === head) &&
      github.statuses.some((s) => s.sha === head && s.context === "ferry/preview" && s.state !== "pending"),
    { ...LONG, describe: () => logs.text().slice(-4000) },
  );
  return github.comments(REPO, number);
}

describe("a pushed image becomes a reviewed merge request", () => {
  it(
    "push 1.2.0: one branch changing the marked line, one pull request, Ferry's preview on it; 2.0.0: nothing; 1.3.0: the same pull moves",
    { timeout: 600_000 },
    async () => {
      const flow = await startFlow({ notifyToken: TOKEN, webhookSecret: TOKEN, pollInterval: "8760h" });
      const { github } = flow.ferry;
      expect(await branchHead(flow.repo)).toBeUndefined();
      const mainBefore = await flow.repo.head();

      // 1. acme/web:1.2.0, built from a commit the image's labels name.
      const digest = await flow.registry.push("acme/web", "1.2.0", SOURCE);
      const head = await branchAt(flow, "1.2.0");
      expect(await changedLines(flow.repo)).toEqual([
        `-          image: ${flow.host}/acme/web:1.0.0 # ferry:image web`,
        `+          image: ${flow.host}/acme/web:1.2.0 # ferry:image web`,
      ]);
      expect(await git(flow.repo.dir, "rev-parse", `${BRANCH}^`)).toBe(mainBefore);
      expect(await git(flow.repo.dir, "log", "-1", "--format=%an <%ae>%n%B", BRANCH)).toContain(
        `Ferry <ferry@noreply.invalid>\nimages: acme/web 1.2.0\n\nImage: acme/web:1.2.0\nDigest: ${digest}`,
      );
      await waitFor("the pull request", () => github.callsTo("createPull").length > 0, LONG);
      const [pull, ...others] = [...github.pulls.values()];
      expect(others).toEqual([]);
      expect(pull).toMatchObject({ headRef: BRANCH, baseRef: "main", state: "open" });
      expect(pull?.body).toContain(digest);
      expect(pull?.body).toContain(
        `${SOURCE["org.opencontainers.image.source"]}/commit/${SOURCE["org.opencontainers.image.revision"]}`,
      );
      const number = pull!.number;
      const comments = await previewedAt(flow, number, head);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain(`acme/web:1.2.0`);
      expect(
        github.statuses.filter((s) => s.sha === head && s.context === "ferry/preview").map((s) => s.state),
      ).toEqual(["pending", "success"]);
      expect(github.callsTo("createPull")).toHaveLength(1);
      // Nothing reached the cluster: a preview is a dry-run, the deploy waits for the merge.
      expect(
        await testKubeClient().get({
          apiVersion: "apps/v1",
          kind: "Deployment",
          namespace: ns.name,
          name: "web",
        }),
      ).toBeUndefined();
      expect(await flow.repo.head()).toBe(mainBefore);

      // 2. 2.0.0 is outside >=1.0.0 <2.0.0: the registry's notification of it changes nothing.
      await idle(flow.ferry);
      const callsBefore = github.calls.length;
      await flow.registry.push("acme/web", "2.0.0");
      await waitFor(
        "the notification of 2.0.0 to be decided",
        () => flow.ferry.logs.text().includes("acme/web:2.0.0 is outside the policy"),
        LONG,
      );
      await idle(flow.ferry);
      expect(await branchHead(flow.repo)).toBe(head);
      expect(github.calls.slice(callsBefore)).toEqual([]);

      // 1.3.0: the same branch and the same pull request move to it.
      await flow.registry.push("acme/web", "1.3.0");
      const moved = await branchAt(flow, "1.3.0");
      expect(moved).not.toBe(head);
      expect(await changedLines(flow.repo)).toEqual([
        `-          image: ${flow.host}/acme/web:1.0.0 # ferry:image web`,
        `+          image: ${flow.host}/acme/web:1.3.0 # ferry:image web`,
      ]);
      const after = await previewedAt(flow, number, moved);
      expect(github.callsTo("createPull")).toHaveLength(1);
      expect(github.pulls.size).toBe(1);
      expect(github.pulls.get(`${REPO}#${number}`)?.title).toContain("1.3.0");
      // The one preview comment, edited for the new head.
      expect(after).toHaveLength(1);
      expect(after[0]?.id).toBe(comments[0]?.id);
      expect(after[0]?.body).toContain("acme/web:1.3.0");
    },
  );

  it("with notifications off, a pushed tag is found by the poll", { timeout: 600_000 }, async () => {
    // No endpoint in the registry's configuration, no webhookSecret in Ferry's.
    const flow = await startFlow({ pollInterval: "2s" });
    const answer = await fetch(`${flow.ferry.url}/webhooks/harbor`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": DISTRIBUTION_EVENTS_TYPE },
      body: JSON.stringify({ events: [] }),
    });
    expect(answer.status).toBe(404);

    await flow.registry.push("acme/web", "1.2.0", SOURCE);
    const head = await branchAt(flow, "1.2.0");
    expect(await changedLines(flow.repo)).toEqual([
      `-          image: ${flow.host}/acme/web:1.0.0 # ferry:image web`,
      `+          image: ${flow.host}/acme/web:1.2.0 # ferry:image web`,
    ]);
    await waitFor("the pull request", () => flow.ferry.github.pulls.size > 0, LONG);
    const [pull] = [...flow.ferry.github.pulls.values()];
    await previewedAt(flow, pull!.number, head);
    expect(flow.ferry.logs.text()).toContain('"trigger":"poll"');

    // The next polls find the same tag: the branch, the pull and its preview stay as they are.
    const polls = async () =>
      (await flow.ferry.runtime.enqueuer.queues.image.getJobs(["completed", "failed"])).filter(
        (job) => (job.data as { trigger?: string }).trigger === "poll",
      ).length;
    const seen = await polls();
    await waitFor("two more polls", async () => (await polls()) >= seen + 2, LONG);
    await idle(flow.ferry);
    expect(await branchHead(flow.repo)).toBe(head);
    expect(flow.ferry.github.callsTo("createPull")).toHaveLength(1);
    expect(flow.ferry.github.comments(REPO, pull!.number)).toHaveLength(1);
  });

  it(
    "refuses a notification with a wrong token: 401, a clear log line, no repository change",
    { timeout: 600_000 },
    async () => {
      // The registry sends a token that is not Ferry's webhookSecret.
      const flow = await startFlow({
        notifyToken: "not-the-token",
        webhookSecret: TOKEN,
        pollInterval: "8760h",
      });
      const callsBefore = flow.ferry.github.calls.length;
      await flow.registry.push("acme/web", "1.2.0");
      await waitFor(
        "the registry's notification to be refused",
        () =>
          flow.ferry.logs
            .lines()
            .some(
              (line) =>
                line.registry === "harbor" &&
                JSON.stringify(line).includes("the bearer token does not match"),
            ),
        LONG,
      );
      const refused = flow.ferry.logs
        .lines()
        .find((line) => JSON.stringify(line).includes("the bearer token does not match"));
      expect(refused).toMatchObject({ registry: "harbor", status: 401 });
      // The token itself is never logged.
      expect(flow.ferry.logs.text()).not.toContain("not-the-token");
      await idle(flow.ferry);
      expect(await branchHead(flow.repo)).toBeUndefined();
      expect(flow.ferry.github.calls.slice(callsBefore)).toEqual([]);
      expect(await flow.ferry.runtime.enqueuer.queues.image.getJobs(["completed", "failed"])).toSatisfy(
        (jobs: Array<{ data: { trigger: string } }>) => jobs.every((job) => job.data.trigger === "poll"),
      );
    },
  );
});
