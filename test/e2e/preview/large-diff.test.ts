// Acceptance (issue 13): a ConfigMap with 20,000 changed lines per side, previewed by a real
// `ferry up --config` child process (receiver, workers and the line diff's worker thread in one
// process, as an operator runs it). The preview ends in success with a per-object summary
// instead of the diff, and the child keeps answering /healthz throughout: every probe answers
// 200 (each may take up to 10 s, so only a hung event loop fails it; the old diff blocked it for
// minutes), and some probe is answered while the preview runs. How fast both are is measured in
// bench/large-preview.bench.ts, not here.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, inject, it } from "vitest";
import { FakeGithub } from "../../support/fakes/github.ts";
import { startFerryUp, type FerryUp } from "../../support/ferry-up.ts";
import { probeHealthz } from "../../support/healthz-probe.ts";
import { freePort } from "../../support/ports.ts";
import { waitFor } from "../../support/process.ts";
import { postSignedGithub } from "../../support/sign.ts";
import { seed } from "./cluster.ts";
import { bigConfigMap, webApp } from "./fixtures.ts";
import { previewSuite } from "./setup.ts";
import { githubPullRequest } from "./payloads.ts";

const REPO = "acme/deploy";
const LINES = 20_000;
const { ns, kube, appRepo } = previewSuite("pvbig", { forge: "github" });
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe("a preview of a very large change", () => {
  it(
    "summarizes a 20,000-line ConfigMap change while ferry up keeps answering /healthz",
    { timeout: 240_000 },
    async () => {
      const app = await appRepo({ "apps/web/big.yaml": bigConfigMap("old", LINES) });
      await seed(kube, "web", ns.name, bigConfigMap("old", LINES));
      const github = await FakeGithub.start();
      closers.push(() => github.close());
      const port = await freePort();
      const secret = `gh-${randomUUID()}`;
      const up: FerryUp = await startFerryUp({
        redis: { url: inject("redisUrl"), prefix: `t-${randomUUID()}` },
        server: { port, host: "127.0.0.1", publicUrl: `http://127.0.0.1:${port}` },
        forges: [
          { name: "github", type: "github", apiUrl: github.url, token: github.token, webhookSecret: secret },
        ],
        clusters: [{ name: "local", kubeconfig: inject("kubeconfig") }],
        apps: [webApp("web", "github", REPO, app.repo.dir, ns.name)],
      });
      closers.push(() => up.stop());
      const head = await app.push({ "apps/web/big.yaml": bigConfigMap("new", LINES) });
      github.seedPull(REPO, { number: 31, headSha: head });

      const prober = probeHealthz(up.url, { intervalMs: 100, abortMs: 10_000 });
      const body = githubPullRequest({
        action: "opened",
        repo: REPO,
        number: 31,
        headSha: head,
        baseSha: app.base,
        headRef: "feature",
        baseRef: "main",
      });
      const accepted = performance.now();
      const answer = await postSignedGithub(up.url, "pull_request", body, secret);
      expect(answer.status).toBe(202);
      let comment = "";
      const lastStatus = () => github.statuses.filter((status) => status.sha === head).at(-1)?.state;
      await waitFor(
        "the preview comment and its final status",
        () => {
          comment = github.comments(REPO, 31)[0]?.body ?? "";
          return (
            comment.includes("ConfigMap big") && lastStatus() !== undefined && lastStatus() !== "pending"
          );
        },
        { timeoutMs: 120_000, intervalMs: 50, describe: up.process.tail },
      );
      const finished = performance.now();
      const probes = await prober.stop();

      expect(comment).toContain("ConfigMap big: 20,000 lines changed, too large to show");
      expect(comment).not.toContain("old-19999");
      expect(comment).toMatch(new RegExp(`\\(${up.url}/previews/[^)]+\\)`));
      expect(lastStatus()).toBe("success");
      expect(probes.filter((probe) => !probe.ok).map((probe) => probe.error)).toEqual([]);
      expect(probes.some((probe) => probe.startedAt >= accepted && probe.endedAt <= finished)).toBe(true);
      github.assertNoUnexpected();
    },
  );
});
