// Acceptance (issue 13): a ConfigMap with 20,000 changed lines per side, previewed by a real
// `ferry up --config` child process (receiver, workers and the line diff's worker thread in one
// process, as an operator runs it). The preview finishes within 30 s with a per-object summary
// instead of the diff, and the child answers /healthz within 1 s throughout: each probe is
// timed, a correctness bound on the event loop (the old diff blocked it for minutes), not a
// benchmark.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, inject, it } from "vitest";
import { FakeGithub } from "../../support/fakes/github.ts";
import { startFerryUp, type FerryUp } from "../../support/ferry-up.ts";
import { freePort } from "../../support/ports.ts";
import { waitFor } from "../../support/process.ts";
import { signGithub } from "../../support/sign.ts";
import { seed } from "./cluster.ts";
import { webApp } from "./fixtures.ts";
import { previewSuite } from "./setup.ts";
import { githubPullRequest } from "./payloads.ts";

const REPO = "acme/deploy";
const LINES = 20_000;
const { ns, kube, appRepo } = previewSuite("pvbig", { forge: "github" });
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A ConfigMap whose data has LINES keys, each a line of its YAML. */
function bigConfigMap(version: string): string {
  const data = Array.from({ length: LINES }, (_, i) => `  key-${i}: "${version}-${i}"`).join("\n");
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n${data}\n`;
}

describe("a preview of a very large change", () => {
  it(
    "summarizes a 20,000-line ConfigMap change within 30 s while ferry up's /healthz stays under 1 s",
    { timeout: 240_000 },
    async () => {
      const app = await appRepo({ "apps/web/big.yaml": bigConfigMap("old") });
      await seed(kube, "web", ns.name, bigConfigMap("old"));
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
      const head = await app.push({ "apps/web/big.yaml": bigConfigMap("new") });
      github.seedPull(REPO, { number: 31, headSha: head });

      let running = true;
      const probes: number[] = [];
      const probing = (async () => {
        while (running) {
          const started = performance.now();
          const ok = await fetch(`${up.url}/healthz`, { signal: AbortSignal.timeout(10_000) }).then(
            (response) => response.ok,
            () => false,
          );
          probes.push(ok ? performance.now() - started : Infinity);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();

      const started = performance.now();
      const body = githubPullRequest({
        action: "opened",
        repo: REPO,
        number: 31,
        headSha: head,
        baseSha: app.base,
        headRef: "feature",
        baseRef: "main",
      });
      const answer = await fetch(`${up.url}/webhooks/github`, {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-github-event": "pull_request",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": signGithub(body, secret),
        },
      });
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
      const elapsed = performance.now() - started;
      running = false;
      await probing;

      expect(comment).toContain("ConfigMap big: 20,000 lines changed, too large to show");
      expect(comment).not.toContain("old-19999");
      expect(comment).toMatch(new RegExp(`\\(${up.url}/previews/[^)]+\\)`));
      expect(lastStatus()).toBe("success");
      expect(elapsed).toBeLessThan(30_000);
      expect(probes.length).toBeGreaterThan(0);
      expect(Math.max(...probes)).toBeLessThan(1_000);
      github.assertNoUnexpected();
    },
  );
});
