// The whole preview flow on real parts: the express app on a free port receiving signed
// webhooks, Redis queues under a random prefix, a BullMQ Worker running the preview processor,
// real git repositories as the apps' repoUrl, the run's control plane, and the forge fakes.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Job, QueueEvents, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { inject } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import type { FerryConfig } from "../../../src/config/schema.ts";
import { createApp } from "../../../src/http/app.ts";
import { closeServer, listen } from "../../../src/http/server.ts";
import type { PreviewOutcome } from "../../../src/preview/pipeline.ts";
import { createRedis } from "../../../src/queue/connection.ts";
import { createEnqueuer, type Enqueuer } from "../../../src/queue/enqueue.ts";
import { queueNames } from "../../../src/queue/types.ts";
import { createRuntime, type Runtime } from "../../../src/runtime/context.ts";
import { createPreviewProcessor } from "../../../workers/preview.ts";
import { FakeGithub } from "../../support/fakes/github.ts";
import { FakeGitlab } from "../../support/fakes/gitlab.ts";
import { captureLogs } from "../../support/logs.ts";
import { freePort } from "../../support/ports.ts";
import { signGithub } from "../../support/sign.ts";

export interface Harness {
  config: FerryConfig;
  runtime: Runtime;
  github: FakeGithub;
  gitlab: FakeGitlab;
  url: string;
  logs: ReturnType<typeof captureLogs>;
  postGithub: (event: string, body: string) => Promise<{ status: number; jobs: string[] }>;
  postGitlab: (event: string, body: string) => Promise<{ status: number; jobs: string[] }>;
  /** Waits until every job has finished and returns what the processor returned. */
  finished: (ids: string[]) => Promise<PreviewOutcome[]>;
  close: () => Promise<void>;
}

const githubSecret = `gh-${randomUUID()}`;
const gitlabSecret = `gl-${randomUUID()}`;

export async function startHarness(
  apps: Array<Record<string, unknown>>,
  extraClusters: Array<Record<string, unknown>> = [],
): Promise<Harness> {
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
    const workDir = await mkdtemp(join(tmpdir(), "ferry-preview-e2e-"));
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
      clusters: [{ name: "local", kubeconfig: inject("kubeconfig") }, ...extraClusters],
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
    closers.push(() => deleteKeys(runtime.redis, `${prefix}:*`));

    const receiverRedis = createRedis(config.redis.url, "receiver");
    receiverRedis.on("error", () => undefined);
    closers.push(() => Promise.resolve(receiverRedis.disconnect()));
    const enqueuer: Enqueuer = createEnqueuer(receiverRedis, { prefix });
    closers.push(() => enqueuer.close());
    const app = createApp({
      config,
      enqueuer,
      redis: receiverRedis,
      logger: logs.logger,
      registry: runtime.registry,
    });
    const server: Server = await listen(app, port, "127.0.0.1");
    closers.push(() => closeServer(server));

    const events = new QueueEvents(queueNames.preview, {
      connection: createRedis(config.redis.url, "worker"),
      prefix,
    });
    closers.push(() => events.close());
    await events.waitUntilReady();
    const worker = new Worker(queueNames.preview, createPreviewProcessor(runtime), {
      connection: createRedis(config.redis.url, "worker"),
      prefix,
    });
    closers.push(() => worker.close());
    await worker.waitUntilReady();

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
      postGithub: (event, body) =>
        post("github", body, {
          "x-github-event": event,
          "x-github-delivery": randomUUID(),
          "x-hub-signature-256": signGithub(body, githubSecret),
        }),
      postGitlab: (event, body) =>
        post("gitlab", body, {
          "x-gitlab-event": event,
          "x-gitlab-token": gitlabSecret,
          "x-gitlab-event-uuid": randomUUID(),
        }),
      finished: async (ids) => {
        const results: PreviewOutcome[] = [];
        closers.push(() => deletePages(runtime.redis, results));
        for (const id of ids) {
          const job = await Job.fromId(runtime.enqueuer.queues.preview, id);
          if (!job) throw new Error(`no job ${id}`);
          results.push((await job.waitUntilFinished(events, 50_000)) as PreviewOutcome);
        }
        return results;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function deleteKeys(redis: Redis, pattern: string): Promise<void> {
  const keys = await redis.keys(pattern);
  if (keys.length > 0) await redis.del(...keys);
}

/** Preview pages live under Ferry's fixed key prefix, not the test's: remove the ones made. */
async function deletePages(redis: Redis, outcomes: PreviewOutcome[]): Promise<void> {
  const keys = outcomes.flatMap((outcome) =>
    outcome.result === "posted" ? [`ferry:preview-page:${outcome.previewId}`] : [],
  );
  if (keys.length > 0) await redis.del(...keys);
}
