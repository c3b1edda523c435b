// Issue 13's acceptance for the receiver: 30 parallel 24 MB unsigned uploads to `ferry serve`
// (a child process, so its RSS is its own) are every one answered (401, 413 or 503), /healthz
// answers within 1 s throughout (each probe is timed: a correctness bound on the event loop,
// far above its usual few milliseconds), and the receiver's RSS grows by less than 150 MB.
import { randomUUID } from "node:crypto";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../support/ports.ts";
import { startProcess, waitFor, type ManagedProcess } from "../support/process.ts";
import type { FloodAnswer } from "../support/upload-flood.ts";

const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;
const flood = new URL("../support/upload-flood.ts", import.meta.url).pathname;
const run = promisify(execFile);
const MB = 1_000_000;

function rssBytes(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kib) * 1024;
}

describe("receiver under a flood of large unsigned uploads", () => {
  let receiver: ManagedProcess | undefined;
  let dir = "";
  afterAll(async () => {
    await receiver?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "answers all 30, keeps /healthz under 1 s and its RSS growth under 150 MB",
    { timeout: 180_000 },
    async () => {
      dir = await mkdtemp(join(tmpdir(), "ferry-flood-"));
      const port = await freePort();
      const configFile = join(dir, "ferry.yaml");
      await writeFile(
        configFile,
        [
          `redis: { url: "${inject("redisUrl")}" }`,
          `server: { port: ${port}, host: 127.0.0.1 }`,
          "forges:",
          "  - { name: github, type: github, webhookSecret: '${GITHUB_WEBHOOK_SECRET}' }",
          "  - { name: gitlab, type: gitlab, webhookSecret: '${GITLAB_WEBHOOK_SECRET}' }",
          "clusters: [{ name: local, kubeconfig: /dev/null }]",
          "apps:",
          "  - { name: web, forge: github, repo: acme/deploy, path: apps/web, destination: { cluster: local, namespace: web } }",
          "",
        ].join("\n"),
      );
      receiver = startProcess("ferry serve", process.execPath, [cli, "serve", "--config", configFile], {
        env: {
          ...process.env,
          GITHUB_WEBHOOK_SECRET: randomUUID(),
          GITLAB_WEBHOOK_SECRET: randomUUID(),
          FERRY_LOG_LEVEL: "warn",
        },
      });
      const base = `http://127.0.0.1:${port}`;
      await waitFor("ferry serve to answer /healthz", async () => (await fetch(`${base}/healthz`)).ok, {
        describe: () => receiver?.tail() ?? "",
      });
      const pid = receiver.child.pid ?? 0;
      const baseline = rssBytes(pid);
      let peak = baseline;

      let flooding = true;
      const probes: number[] = [];
      const probing = (async () => {
        while (flooding) {
          const started = performance.now();
          const status = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) }).then(
            async (response) => (await response.text(), response.status),
            (error: unknown) => String(error),
          );
          probes.push(status === 200 ? performance.now() - started : Infinity);
          peak = Math.max(peak, rssBytes(pid));
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();

      // Unsigned GitHub uploads and GitLab ones with a wrong token are refused on their headers;
      // those with a well-formed but wrong signature must be read to be checked, so they meet
      // the bytes-in-flight bound.
      const plan = Array.from({ length: 30 }, (_, i) => {
        if (i % 3 === 0)
          return { forge: "gitlab", headers: { "x-gitlab-event": "Push Hook", "x-gitlab-token": "wrong" } };
        const signature = i % 3 === 1 ? { "x-hub-signature-256": `sha256=${"0".repeat(64)}` } : {};
        return {
          forge: "github",
          headers: { "x-github-event": "push", "x-github-delivery": randomUUID(), ...signature },
        };
      });
      const { stdout } = await run(
        process.execPath,
        [flood, String(port), JSON.stringify(plan), String(24 * MB)],
        {
          maxBuffer: 1024 * 1024,
        },
      );
      const answers = JSON.parse(stdout) as FloodAnswer[];
      flooding = false;
      await probing;
      peak = Math.max(peak, rssBytes(pid));

      expect(answers.filter((answer) => answer.error !== undefined)).toEqual([]);
      for (const answer of answers) expect([401, 413, 503]).toContain(answer.status);
      // The bytes-in-flight bound did the refusing, each with its Retry-After.
      const busy = answers.filter((answer) => answer.status === 503);
      expect(busy.length).toBeGreaterThan(0);
      for (const answer of busy) expect(answer.retryAfter).toBe("5");
      expect(answers.filter((answer) => answer.status === 401).length).toBeGreaterThanOrEqual(10);

      expect(probes.length).toBeGreaterThan(0);
      expect(Math.max(...probes)).toBeLessThan(1_000);
      expect(peak - baseline).toBeLessThan(150 * MB);
      // Still serving afterwards.
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    },
  );
});
