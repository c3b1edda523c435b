// The whole deploy flow on real parts: the express app on a free port receiving signed push
// webhooks, Redis queues under a random prefix, a BullMQ Worker running createSyncProcessor,
// real git repositories as the apps' repoUrl, the run's control plane, and the forge fakes.
import { Job, QueueEvents, Worker, type Processor } from "bullmq";
import { expect } from "vitest";
import type { CommandOutcome } from "../../../src/commands/run.ts";
import type { DeployRun } from "../../../src/deploy/pipeline.ts";
import type { PreviewOutcome } from "../../../src/preview/pipeline.ts";
import { queuePrefix } from "../../../src/keys.ts";
import { queueNames } from "../../../src/queue/types.ts";
import { createCommandProcessor } from "../../../workers/command.ts";
import { createPreviewProcessor } from "../../../workers/preview.ts";
import { createSyncProcessor } from "../../../workers/sync.ts";
import { startE2e, type E2eBase, type E2eOptions, type WebhookAnswer } from "../../support/e2e.ts";
import { githubPush, gitlabPush, type PushInput } from "./payloads.ts";

export interface DeployHarness extends Omit<E2eBase, "connection" | "defer"> {
  pushGithub: (input: PushInput) => Promise<WebhookAnswer>;
  pushGitlab: (input: PushInput) => Promise<WebhookAnswer>;
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
  /** Starts the `/ferry` command worker; `finished` waits for command jobs like the one above. */
  startCommandWorker: () => Promise<{ finished: (ids: string[]) => Promise<CommandOutcome[]> }>;
  /** Starts a preview worker on the same Redis prefix, for tests that deploy and preview one app. */
  startPreviewWorker: () => Promise<{ finished: (ids: string[]) => Promise<PreviewOutcome[]> }>;
}

export async function startDeployHarness(
  apps: Array<Record<string, unknown>>,
  more: Pick<E2eOptions, "githubApp" | "ui"> = {},
): Promise<DeployHarness> {
  const base = await startE2e({
    ...more,
    apps,
    workDirPrefix: "ferry-deploy-e2e-",
  });
  const { runtime, prefix, connection, defer } = base;
  try {
    const events = new QueueEvents(queueNames.sync, {
      connection: connection(),
      prefix: queuePrefix(prefix),
    });
    defer(() => events.close());
    await events.waitUntilReady();
    const startWorker = async () => {
      const worker = new Worker(
        queueNames.sync,
        createSyncProcessor(runtime, { lockTtlMs: 3_000, pollIntervalMs: 100 }),
        {
          connection: connection(),
          prefix: queuePrefix(prefix),
          concurrency: 4,
          // A worker that disappears mid-job: its job counts as stalled after a few seconds.
          lockDuration: 4_000,
          stalledInterval: 1_000,
        },
      );
      defer(() => worker.close(true));
      await worker.waitUntilReady();
      return worker;
    };
    const worker = await startWorker();
    /** A worker of one more queue on this harness's prefix, and a wait for its jobs' results. */
    const startQueueWorker = async <T>(
      name: (typeof queueNames)["command" | "preview"],
      processor: Processor,
    ): Promise<{ finished: (ids: string[]) => Promise<T[]> }> => {
      const queueEvents = new QueueEvents(name, { connection: connection(), prefix: queuePrefix(prefix) });
      defer(() => queueEvents.close());
      await queueEvents.waitUntilReady();
      const queueWorker = new Worker(name, processor, {
        connection: connection(),
        prefix: queuePrefix(prefix),
      });
      defer(() => queueWorker.close(true));
      await queueWorker.waitUntilReady();
      const queue =
        name === queueNames.command ? runtime.enqueuer.queues.command : runtime.enqueuer.queues.preview;
      return {
        finished: async (ids) => {
          const results: T[] = [];
          for (const id of ids) {
            const job = await Job.fromId(queue, id);
            if (!job) throw new Error(`no ${name} job ${id}`);
            results.push((await job.waitUntilFinished(queueEvents, 60_000)) as T);
          }
          return results;
        },
      };
    };

    return {
      ...base,
      pushGithub: (input) => base.postGithub("push", githubPush(input)),
      pushGitlab: (input) => base.postGitlab("Push Hook", gitlabPush(input)),
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
      startCommandWorker: () =>
        startQueueWorker<CommandOutcome>(queueNames.command, createCommandProcessor(runtime)),
      startPreviewWorker: () =>
        startQueueWorker<PreviewOutcome>(queueNames.preview, createPreviewProcessor(runtime)),
    };
  } catch (error) {
    await base.close();
    throw error;
  }
}
