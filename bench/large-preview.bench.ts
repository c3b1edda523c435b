// The preview of a very large change (issue 13's case) as an operator runs Ferry: a
// `ferry up --config` child (receiver, workers and the line diff's worker thread in one process),
// the fake GitHub of test/support/fakes, and a real control plane. The change is a ConfigMap with
// 20,000 data lines, each of which changes (the same setup as test/e2e/preview/large-diff.test.ts).
// Measured in one run, per round:
// - Ferry: signed pull_request webhook → final commit status of the preview (and → the preview
//   comment), polled every 10 ms in the fake GitHub;
// - the plain reference: `kubectl diff --server-side` of the same new ConfigMap (as Ferry would
//   apply it: labels, annotation, field manager ferry) against the seeded one — what a CI job's
//   plain diff does; the Ferry/reference ratio is the figure to compare across runs;
// - /healthz latency of the ferry up process while the preview runs, against the same process
//   idle just before the webhook (every queue empty), probed one at a time every
//   BENCH_PROBE_INTERVAL_MS: p50, p99, max and their during/idle ratios.
// One unmeasured warm-up round first (git mirror, kubectl's discovery cache, JIT); then
// BENCH_ROUNDS rounds, alternating which of Ferry and kubectl goes first; medians.
//
// BENCH_ROUNDS (default 3), BENCH_BASELINE_PROBES (idle probes per round, default 100),
// BENCH_PROBE_INTERVAL_MS (default 50). BENCH_KUBECONFIG reuses a running control plane.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import * as yaml from "js-yaml";
import { startPrivateRedis } from "../src/cli/up/redis.ts";
import { createKubeClient } from "../src/kube/client.ts";
import { loadKubeConfig } from "../src/kube/kubeconfig.ts";
import type { KubeClient } from "../src/kube/types.ts";
import { queuePrefix } from "../src/keys.ts";
import { createRedis } from "../src/queue/connection.ts";
import { queueNames } from "../src/queue/types.ts";
import { toolPath } from "../src/render/binaries.ts";
import { normalizeObjects } from "../src/render/index.ts";
import { manifests, seed } from "../test/e2e/preview/cluster.ts";
import { appRepo, bigConfigMap, webApp, type AppRepo } from "../test/e2e/preview/fixtures.ts";
import { githubPullRequest } from "../test/e2e/preview/payloads.ts";
import { FakeGithub } from "../test/support/fakes/github.ts";
import { startFerryUp, type FerryUp } from "../test/support/ferry-up.ts";
import { probeHealthz, type HealthzProbe } from "../test/support/healthz-probe.ts";
import { freePort } from "../test/support/ports.ts";
import { waitFor } from "../test/support/process.ts";
import { postSignedGithub } from "../test/support/sign.ts";
import { benchCluster } from "./cluster.ts";
import { percentile } from "./stats.ts";

const here = dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const baselineProbes = Number(process.env.BENCH_BASELINE_PROBES ?? 100);
const probeIntervalMs = Number(process.env.BENCH_PROBE_INTERVAL_MS ?? 50);
const LINES = 20_000;
const REPO = "acme/deploy";
const APP = "web";
const secret = `bench-${randomUUID()}`;

interface Round {
  ferryFinalMs: number;
  ferryCommentMs: number;
  kubectlMs: number;
  idleMs: number[];
  previewMs: number[];
}

interface Setup {
  up: FerryUp;
  github: FakeGithub;
  app: AppRepo;
  queues: Queue[];
  namespace: string;
  kubeconfig: string;
  workDir: string;
}

const latencies = (probes: HealthzProbe[]) => {
  const failed = probes.filter((probe) => !probe.ok);
  if (failed.length > 0) throw new Error(`/healthz failed: ${failed.map((probe) => probe.error).join(", ")}`);
  return probes.map((probe) => probe.endedAt - probe.startedAt);
};

/** No job waiting or running in any of Ferry's queues (delayed polls may be scheduled). */
async function idle(queues: Queue[]): Promise<boolean> {
  for (const queue of queues) {
    const counts = await queue.getJobCounts("active", "waiting", "prioritized");
    if (Object.values(counts).some((count) => count > 0)) return false;
  }
  return true;
}

/** `count` /healthz probes of the process while nothing is queued. */
async function idleProbes(setup: Setup, count: number): Promise<number[]> {
  await waitFor("ferry up to be idle", () => idle(setup.queues), { timeoutMs: 120_000, intervalMs: 50 });
  const prober = probeHealthz(setup.up.url, { intervalMs: probeIntervalMs });
  await waitFor("the idle /healthz probes", () => prober.made() >= count, {
    timeoutMs: 600_000,
    intervalMs: probeIntervalMs,
  });
  return latencies(await prober.stop());
}

/** Webhook → preview comment and → final status of one pull request whose head is `version`. */
async function ferryPreview(setup: Setup, number: number, version: string) {
  const { up, github, app } = setup;
  const head = await app.push({ "apps/web/big.yaml": bigConfigMap(version, LINES) });
  github.seedPull(REPO, { number, headSha: head });
  const idleMs = await idleProbes(setup, baselineProbes);

  const prober = probeHealthz(up.url, { intervalMs: probeIntervalMs });
  const body = githubPullRequest({
    action: "opened",
    repo: REPO,
    number,
    headSha: head,
    baseSha: app.base,
    headRef: "feature",
    baseRef: "main",
  });
  const started = performance.now();
  const answer = await postSignedGithub(up.url, "pull_request", body, secret);
  if (answer.status !== 202) throw new Error(`the webhook answered ${answer.status}`);
  let comment = "";
  let commentMs = Number.NaN;
  const lastStatus = () => github.statuses.filter((status) => status.sha === head).at(-1)?.state;
  await waitFor(
    "the preview comment and its final status",
    () => {
      if (!comment) {
        comment = github.comments(REPO, number)[0]?.body ?? "";
        if (comment) commentMs = performance.now() - started;
      }
      const state = lastStatus();
      return comment !== "" && state !== undefined && state !== "pending";
    },
    { timeoutMs: 600_000, intervalMs: 10, describe: up.process.tail },
  );
  const finalMs = performance.now() - started;
  const previewMs = latencies(await prober.stop());
  // A wrong preview must not be timed as a fast one.
  if (
    !comment.includes("ConfigMap big: 20,000 lines changed, too large to show") ||
    lastStatus() !== "success"
  )
    throw new Error(`unexpected preview: status ${lastStatus()}, comment:\n${comment.slice(0, 2_000)}`);
  return { finalMs, commentMs, idleMs, previewMs };
}

/** `kubectl diff --server-side` of the same new ConfigMap as Ferry would apply it. */
async function kubectlDiff(setup: Setup, version: string): Promise<number> {
  const objects = normalizeObjects(manifests(bigConfigMap(version, LINES)), {
    app: APP,
    namespace: setup.namespace,
  });
  const file = join(setup.workDir, `${version}.yaml`);
  writeFileSync(file, objects.map((object) => yaml.dump(object)).join("---\n"));
  const args = ["--kubeconfig", setup.kubeconfig, "diff", "--server-side", "--force-conflicts"];
  const started = performance.now();
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve) =>
      execFile(
        toolPath("kubectl"),
        [...args, "--field-manager", "ferry", "-f", file],
        { maxBuffer: 256 << 20 },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: unknown }).code ?? -1) : 0, stdout, stderr }),
      ),
  );
  const elapsed = performance.now() - started;
  // kubectl diff exits 1 when there are differences: they must be the whole change.
  if (code !== 1 || !stdout.includes(`${version}-${LINES - 1}`))
    throw new Error(`kubectl diff exited ${code}: ${stderr.slice(0, 2_000)}`);
  return elapsed;
}

async function round(setup: Setup, index: number): Promise<Round> {
  const version = `new-r${index}`;
  const ferryFirst = index % 2 === 0;
  const kubectlBefore = ferryFirst ? undefined : await kubectlDiff(setup, version);
  const ferry = await ferryPreview(setup, 100 + index, version);
  const kubectlMs = kubectlBefore ?? (await kubectlDiff(setup, version));
  return {
    ferryFinalMs: ferry.finalMs,
    ferryCommentMs: ferry.commentMs,
    kubectlMs,
    idleMs: ferry.idleMs,
    previewMs: ferry.previewMs,
  };
}

function report(measured: Round[]): void {
  const ms = (value: number) => value.toFixed(0);
  const spread = (values: number[]) =>
    `${percentile(values, 50).toFixed(1)} / ${percentile(values, 99).toFixed(1)} / ${Math.max(...values).toFixed(1)}`;
  console.log(
    `| round | Ferry webhook → final status ms | → comment ms | kubectl diff ms | Ferry / kubectl | /healthz idle p50 / p99 / max ms | /healthz during preview p50 / p99 / max ms |`,
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  measured.forEach((r, index) =>
    console.log(
      `| ${index + 1} | ${ms(r.ferryFinalMs)} | ${ms(r.ferryCommentMs)} | ${ms(r.kubectlMs)} | ${(r.ferryFinalMs / r.kubectlMs).toFixed(2)} | ${spread(r.idleMs)} | ${spread(r.previewMs)} |`,
    ),
  );

  const median = (pick: (r: Round) => number) => percentile(measured.map(pick), 50);
  const ferryMs = median((r) => r.ferryFinalMs);
  const commentMs = median((r) => r.ferryCommentMs);
  const kubectlMs = median((r) => r.kubectlMs);
  const ratio = median((r) => r.ferryFinalMs / r.kubectlMs);
  console.log(
    `\n| ${LINES.toLocaleString("en-US")}-line ConfigMap change, median of ${measured.length} | ms |`,
  );
  console.log("|---|---:|");
  console.log(`| Ferry: webhook → final preview status | ${ms(ferryMs)} |`);
  console.log(`| Ferry: webhook → preview comment | ${ms(commentMs)} |`);
  console.log(`| kubectl diff --server-side | ${ms(kubectlMs)} |`);
  console.log(`| **Ferry / kubectl (median of the per-round ratios)** | **${ratio.toFixed(2)}** |`);

  const idleMs = measured.flatMap((r) => r.idleMs);
  const previewMs = measured.flatMap((r) => r.previewMs);
  const stats = (values: number[]) => ({
    probes: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    max: Math.max(...values),
  });
  const idleStats = stats(idleMs);
  const previewStats = stats(previewMs);
  const ratios = {
    p50: previewStats.p50 / idleStats.p50,
    p99: previewStats.p99 / idleStats.p99,
    max: previewStats.max / idleStats.max,
  };
  console.log(`\n| /healthz, all rounds | probes | p50 ms | p99 ms | max ms |`);
  console.log("|---|---:|---:|---:|---:|");
  const row = (name: string, s: ReturnType<typeof stats>) =>
    `| ${name} | ${s.probes} | ${s.p50.toFixed(1)} | ${s.p99.toFixed(1)} | ${s.max.toFixed(1)} |`;
  console.log(row("idle, before the webhook", idleStats));
  console.log(row("during the preview", previewStats));
  console.log(
    `| **during / idle** | | **${ratios.p50.toFixed(2)}** | **${ratios.p99.toFixed(2)}** | **${ratios.max.toFixed(2)}** |`,
  );

  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(
    join(here, "results", "large-preview.json"),
    `${JSON.stringify(
      {
        lines: LINES,
        rounds: measured.length,
        probeIntervalMs,
        median: { ferryFinalMs: ferryMs, ferryCommentMs: commentMs, kubectlMs, ferryToKubectl: ratio },
        healthz: { idle: idleStats, preview: previewStats, previewToIdle: ratios },
        perRound: measured,
      },
      null,
      2,
    )}\n`,
  );
}

async function main(): Promise<void> {
  const redis = await startPrivateRedis();
  const control = await benchCluster();
  const github = await FakeGithub.start();
  const workDir = mkdtempSync(join(tmpdir(), "ferry-bench-large-preview-"));
  const namespace = `bench-preview-${randomUUID().slice(0, 6)}`;
  const kube: KubeClient = createKubeClient(
    loadKubeConfig({ name: "local", kubeconfig: control.kubeconfig, inCluster: false }),
  );
  const closers: Array<() => Promise<unknown>> = [];
  try {
    await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
    closers.push(() => kube.delete({ apiVersion: "v1", kind: "Namespace", name: namespace }));
    const app = await appRepo({ "apps/web/big.yaml": bigConfigMap("old", LINES) });
    closers.push(() => app.repo.cleanup());
    await seed(kube, APP, namespace, bigConfigMap("old", LINES));

    const prefix = `bench-${randomUUID().slice(0, 8)}`;
    const port = await freePort();
    const up = await startFerryUp({
      redis: { url: redis.url, prefix },
      server: { port, host: "127.0.0.1", publicUrl: `http://127.0.0.1:${port}` },
      forges: [
        { name: "github", type: "github", apiUrl: github.url, token: github.token, webhookSecret: secret },
      ],
      clusters: [{ name: "local", kubeconfig: control.kubeconfig }],
      apps: [webApp(APP, "github", REPO, app.repo.dir, namespace)],
    });
    closers.push(() => up.stop());
    const connection = createRedis(redis.url, "worker");
    closers.push(() => Promise.resolve(connection.disconnect()));
    const queues = Object.values(queueNames).map(
      (name) => new Queue(name, { connection, prefix: queuePrefix(prefix) }),
    );
    closers.push(() => Promise.all(queues.map((queue) => queue.close())));
    const setup: Setup = { up, github, app, queues, namespace, kubeconfig: control.kubeconfig, workDir };

    await round(setup, 0); // warm-up, not measured
    const measured: Round[] = [];
    for (let index = 1; index <= rounds; index++) measured.push(await round(setup, index));
    report(measured);
    github.assertNoUnexpected();
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await github.close();
    rmSync(workDir, { recursive: true, force: true });
    await control.stop();
    await redis.stop();
  }
}

await main();
