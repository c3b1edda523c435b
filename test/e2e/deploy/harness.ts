// The whole deploy flow on real parts: the express app on a free port receiving signed push
// webhooks, Redis queues under a random prefix, a BullMQ Worker running createSyncProcessor,
// real git repositories as the apps' repoUrl, the run's control plane, and the forge fakes.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job, QueueEvents, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { expect, inject } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import type { FerryConfig } from "../../../src/config/schema.ts";
import type { DeployRun } from "../../../src/deploy/pipeline.ts";
import { createApp } from "../../../src/http/app.ts";
import { closeServer, listen } from "../../../src/http/server.ts";
import { createRedis } from "../../../src/queue/connection.ts";
import { createEnqueuer } from "../../../src/queue/enqueue.ts";
import { queueNames } from "../../../src/queue/types.ts";
import { createRuntime, type Runtime } from "../../../src/runtime/context.ts";
import { createSyncProcessor } from "../../../workers/sync.ts";
import { FakeGithub } from "../../support/fakes/github.ts";
import { FakeGitlab } from "../../support/fakes/gitlab.ts";
import { captureLogs } from "../../support/logs.ts";
import { freePort } from "../../support/ports.ts";
import { signGithub } from "../../support/sign.ts";
import { githubPush, gitlabPush, type PushInput } from "./payloads.ts";

export interface DeployHarness {
  config: FerryConfig;
  runtime: Runtime;
  github: FakeGithub;
  gitlab: FakeGitlab;
  url: string;
  logs: ReturnType<typeof captureLogs>;
  pushGithub: (input: PushInput) => Promise<{ status: number; jobs: string[] }>;
  pushGitlab: (input: PushInput) => Promise<{ status: number; jobs: string[] }>;
  /** Waits until every job has finished and returns what the processor returned. */
  finished: (ids: string[]) => Promise<DeployRun[]>;
  /**
   * Waits until the sync queue is drained. A push that arrives while its app's sync runs is
   * folded into a follow-up job BullMQ creates when the running one finishes (keepLastIfActive),
   * whose id the webhook answer cannot name.
   */
  idle: () => Promise<void>;
  /** The sync worker started with the harness. */
  worker: Worker;
  /** Starts another sync worker. */
  startWorker: () => Promise<Worker>;
  close: () => Promise<void>;
}

const githubSecret = `gh-${randomUUID()}`;
const gitlabSecret = `gl-${randomUUID()}`;

export async function startDeployHarness(apps: Array<Record<string, unknown>>): Promise<DeployHarness> {
  const closers: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const step of closers.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const [github, gitlab] = await Promise.all([FakeGithub.start(), FakeGitlab.start()]);
    closers.push(
      () => github.close(),
      () => gitlab.close(),
    );
    const workDir = await mkdtemp(join(tmpdir(), "ferry-deploy-e2e-"));
    closers.push(() => rm(workDir, { recursive: true, force: true }));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = parseConfig({
      redis: { url: inject("redisUrl") },
      server: { port, host: "127.0.0.1", publicUrl: url },
      workDir,
      forges: [
        {
          name: "github",
          type: "github",
          apiUrl: github.url,
          token: github.token,
          webhookSecret: githubSecret,
        },
        { name: "gitlab", type: "gitlab", url: gitlab.url, token: gitlab.token, webhookSecret: gitlabSecret },
      ],
      clusters: [{ name: "local", kubeconfig: inject("kubeconfig") }],
      apps,
    });
    const prefix = `t-${randomUUID()}`;
    const logs = captureLogs("info");
    const runtime = createRuntime(config, {
      logger: logs.logger,
      prefix,
      forgeOptions: { retryUnitMs: 5, writeIntervalMs: 0 },
    });
    closers.push(() => runtime.close());
    closers.push(() =>
      deleteKeys(runtime.redis, [`${prefix}:*`, ...config.apps.map((a) => `ferry:sync:${a.name}:*`)]),
    );

    const receiverRedis = createRedis(config.redis.url, "receiver");
    receiverRedis.on("error", () => undefined);
    closers.push(() => Promise.resolve(receiverRedis.disconnect()));
    const enqueuer = createEnqueuer(receiverRedis, { prefix });
    closers.push(() => enqueuer.close());
    const app = createApp({
      config,
      enqueuer,
      redis: receiverRedis,
      logger: logs.logger,
      registry: runtime.registry,
      keyPrefix: prefix,
    });
    const server: Server = await listen(app, port, "127.0.0.1");
    closers.push(() => closeServer(server));

    // BullMQ does not close connections it was handed: they are closed with the harness.
    const connection = () => {
      const client = createRedis(config.redis.url, "worker");
      closers.push(() => Promise.resolve(client.disconnect()));
      return client;
    };
    const events = new QueueEvents(queueNames.sync, {
      connection: connection(),
      prefix,
    });
    closers.push(() => events.close());
    await events.waitUntilReady();
    const startWorker = async () => {
      const worker = new Worker(
        queueNames.sync,
        createSyncProcessor(runtime, { lockTtlMs: 3_000, pollIntervalMs: 100 }),
        {
          connection: connection(),
          prefix,
          concurrency: 4,
          // A worker that disappears mid-job: its job counts as stalled after a few seconds.
          lockDuration: 4_000,
          stalledInterval: 1_000,
        },
      );
      closers.push(() => worker.close(true));
      await worker.waitUntilReady();
      return worker;
    };
    const worker = await startWorker();

    const post = async (forge: string, body: string, headers: Record<string, string>) => {
      const response = await fetch(`${url}/webhooks/${forge}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...headers },
      });
      const answer = (await response.json()) as { jobs?: string[] };
      return { status: response.status, jobs: answer.jobs ?? [] };
    };
    return {
      config,
      runtime,
      github,
      gitlab,
      url,
      logs,
      pushGithub: (input) => {
        const body = githubPush(input);
        return post("github", body, {
          "x-github-event": "push",
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": signGithub(body, githubSecret),
        });
      },
      pushGitlab: (input) =>
        post("gitlab", gitlabPush(input), {
          "x-gitlab-event": "Push Hook",
          "x-gitlab-token": gitlabSecret,
          "x-gitlab-event-uuid": randomUUID(),
        }),
      finished: async (ids) => {
        const results: DeployRun[] = [];
        for (const id of new Set(ids)) {
          const job = await Job.fromId(runtime.enqueuer.queues.sync, id);
          if (!job) throw new Error(`no job ${id}`);
          results.push((await job.waitUntilFinished(events, 90_000)) as DeployRun);
        }
        return results;
      },
      idle: async () => {
        const queue = runtime.enqueuer.queues.sync;
        await expect
          .poll(
            async () =>
              Object.values(await queue.getJobCounts("waiting", "active", "delayed", "prioritized")),
            {
              timeout: 90_000,
              interval: 100,
            },
          )
          .toEqual([0, 0, 0, 0]);
      },
      worker,
      startWorker,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function deleteKeys(redis: Redis, patterns: string[]): Promise<void> {
  for (const pattern of patterns) {
    const keys = await redis.keys(pattern);
    if (keys.length > 0) await redis.del(...keys);
  }
}
