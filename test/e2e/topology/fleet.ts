// A small fleet run the way production runs it, for the Redis topology tests: one `ferry serve`
// and N `ferry worker` child processes on one ferry.yaml, apps each in their own real git
// repository (so "the last commit pushed to it" is that repository's head), signed GitHub push
// webhooks from GitHub's own example, and the forge's side of a 503: it waits Retry-After and
// redelivers the same delivery id. Everything the processes print is kept whole, so a test can
// look for an error (CROSSSLOT) anywhere in it.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { inject } from "vitest";
import { FakeGithub } from "../../support/fakes/github.ts";
import { createRepo, type TestRepo } from "../../support/git.ts";
import { freePort } from "../../support/ports.ts";
import { startProcess, waitFor, type ManagedProcess } from "../../support/process.ts";
import { signGithub } from "../../support/sign.ts";
import { githubPush } from "../deploy/payloads.ts";

const cli = new URL("../../../src/cli/main.ts", import.meta.url).pathname;

export interface FleetOptions {
  /** ferry.yaml's `redis` (without prefix: the fleet picks one, hash-tagged for Cluster). */
  redis: Record<string, unknown>;
  apps: number;
  workers: number;
  namespace: string;
  /** Clusters the apps are spread over (names); all point at the run's control plane. */
  clusters?: string[];
  /** Extra files per app (more objects make a sync last longer). */
  files?: (app: number) => Record<string, string>;
  concurrency?: { sync?: number; reconcile?: number };
}

export interface Answer {
  app: string;
  delivery: string;
  status: number;
  /** 0 for the first delivery, then each redelivery after a 503. */
  attempt: number;
  retryAfter: string | null;
}

export interface FleetWorker {
  process: ManagedProcess;
  port: number;
  /** Everything it printed. */
  output: () => string;
}

export interface AppRow {
  name: string;
  sync: string;
  revision?: string;
}

export interface Fleet {
  prefix: string;
  apps: string[];
  url: string;
  receiver: ManagedProcess;
  workers: FleetWorker[];
  answers: Answer[];
  /** The commit each app's repository last got (and a push was sent for). */
  lastPushed: Map<string, string>;
  /** Commits a change to app `i` and delivers its push (redelivering after each 503). */
  push: (i: number) => Promise<void>;
  /** Commits to app `i` without delivering anything yet; deliver with the returned function. */
  commit: (i: number) => Promise<() => Promise<void>>;
  /** GET /api/apps from the receiver. */
  overview: () => Promise<AppRow[]>;
  /** Waits until every app is Synced at the commit last pushed to it. */
  allSynced: (timeoutMs: number) => Promise<void>;
  /** Everything the receiver and the workers printed. */
  output: () => string;
  startWorker: () => Promise<FleetWorker>;
  stop: () => Promise<void>;
}

function configMap(app: number, revision: number): string {
  return `apiVersion: v1
kind: ConfigMap
metadata: { name: fleet-${app} }
data: { revision: "${revision}" }
`;
}

function kept(process: ManagedProcess): () => string {
  const chunks: string[] = [];
  const keep = (chunk: Buffer) => chunks.push(chunk.toString("utf8"));
  process.child.stdout?.on("data", keep);
  process.child.stderr?.on("data", keep);
  return () => chunks.join("");
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const closers: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };
  try {
    const github = await FakeGithub.start();
    closers.push(() => github.close());
    const dir = await mkdtemp(join(tmpdir(), "ferry-fleet-"));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const clusters = options.clusters ?? ["local"];
    const repos: TestRepo[] = [];
    const revisions: number[] = [];
    for (let i = 0; i < options.apps; i++) {
      const repo = await createRepo({ "app/cm.yaml": configMap(i, 0), ...options.files?.(i) });
      closers.push(() => repo.cleanup());
      repos.push(repo);
      revisions.push(0);
    }
    const apps = repos.map((_repo, i) => `fleet-${i}`);
    // On Cluster every key must share one hash tag (src/keys.ts): the prefix carries it.
    const id = randomUUID().slice(0, 8);
    const prefix = options.redis.cluster ? `{t-${id}}` : `t-${id}`;
    const port = await freePort();
    const secret = randomUUID();
    const configFile = join(dir, "ferry.yaml");
    await writeFile(
      configFile,
      JSON.stringify({
        redis: { ...options.redis, prefix },
        server: { port, host: "127.0.0.1" },
        workDir: join(dir, "work"),
        workers: {
          concurrency: {
            sync: options.concurrency?.sync ?? 4,
            reconcile: options.concurrency?.reconcile ?? 4,
          },
        },
        forges: [
          { name: "github", type: "github", apiUrl: github.url, token: github.token, webhookSecret: secret },
        ],
        clusters: clusters.map((name) => ({ name, kubeconfig: inject("kubeconfig") })),
        apps: apps.map((name, i) => ({
          name,
          forge: "github",
          repo: `acme/${name}`,
          repoUrl: repos[i]?.dir,
          path: "app",
          destination: { cluster: clusters[i % clusters.length], namespace: options.namespace },
          // The poll is the safety net for a job Redis lost in a failover (asynchronous replication).
          sync: { interval: "20s", healthTimeout: "1m" },
        })),
      }),
    );
    const env = { ...process.env, FERRY_LOG_LEVEL: "info" };
    const url = `http://127.0.0.1:${port}`;
    const receiver = startProcess("ferry serve", process.execPath, [cli, "serve", "--config", configFile], {
      env,
    });
    const receiverOutput = kept(receiver);
    closers.push(() => receiver.stop());
    await waitFor("ferry serve to be ready", async () => (await fetch(`${url}/readyz`)).ok, {
      timeoutMs: 30_000,
      describe: () => receiverOutput().slice(-3000),
    });
    const workers: FleetWorker[] = [];
    const startWorker = async (): Promise<FleetWorker> => {
      const workerPort = await freePort();
      const worker = startProcess(
        `ferry worker ${workers.length}`,
        process.execPath,
        [
          cli,
          "worker",
          "--config",
          configFile,
          "--queues",
          "sync,reconcile",
          "--http-port",
          String(workerPort),
        ],
        { env },
      );
      const output = kept(worker);
      closers.push(() => worker.stop(10_000));
      await waitFor(
        "the worker to serve /readyz",
        async () => (await fetch(`http://127.0.0.1:${workerPort}/readyz`)).ok,
        { timeoutMs: 60_000, describe: () => output().slice(-3000) },
      );
      const started = { process: worker, port: workerPort, output };
      workers.push(started);
      return started;
    };
    for (let i = 0; i < options.workers; i++) await startWorker();

    const answers: Answer[] = [];
    const lastPushed = new Map<string, string>();
    const deliver = async (app: string, body: string) => {
      const delivery = randomUUID();
      for (let attempt = 0; ; attempt++) {
        const response = await fetch(`${url}/webhooks/github`, {
          method: "POST",
          body,
          headers: {
            "content-type": "application/json",
            "x-github-event": "push",
            "x-github-delivery": delivery,
            "x-hub-signature-256": signGithub(body, secret),
          },
        });
        await response.arrayBuffer();
        const retryAfter = response.headers.get("retry-after");
        answers.push({ app, delivery, status: response.status, attempt, retryAfter });
        if (response.status !== 503 || retryAfter === null || attempt >= 30) return;
        // What a forge that redelivers does: wait as told, send the same delivery again.
        await sleep(Number(retryAfter) * 1000);
      }
    };
    const commit = async (i: number) => {
      const repo = repos[i];
      const app = apps[i];
      if (!repo || !app) throw new Error(`no app ${i}`);
      const before = await repo.head();
      revisions[i] = (revisions[i] ?? 0) + 1;
      await repo.write({ "app/cm.yaml": configMap(i, revisions[i] ?? 0) });
      const after = await repo.commit(`revision ${revisions[i]}`);
      lastPushed.set(app, after);
      const body = githubPush({
        repo: `acme/${app}`,
        branch: "main",
        before,
        after,
        modified: ["app/cm.yaml"],
      });
      return () => deliver(app, body);
    };
    const overview = async () => ((await (await fetch(`${url}/api/apps`)).json()) as { apps: AppRow[] }).apps;
    const output = () => [receiverOutput(), ...workers.map((worker) => worker.output())].join("\n");
    const settled = (app: AppRow) => app.sync === "Synced" && app.revision === lastPushed.get(app.name);
    return {
      prefix,
      apps,
      url,
      receiver,
      workers,
      answers,
      lastPushed,
      commit,
      push: async (i) => (await commit(i))(),
      overview,
      allSynced: (timeoutMs) => {
        let last: AppRow[] = [];
        return waitFor(
          "every app Synced at the commit last pushed to it",
          async () => {
            last = await overview();
            return last.every(settled);
          },
          {
            timeoutMs,
            intervalMs: 500,
            describe: () =>
              JSON.stringify(
                last
                  .filter((app) => !settled(app))
                  .map((app) => ({ ...app, wanted: lastPushed.get(app.name) })),
              ).slice(0, 3000) + output().slice(-3000),
          },
        );
      },
      output,
      startWorker,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs `task(0..count-1)` with at most `parallel` at once. */
export async function inParallel(
  count: number,
  parallel: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
