// The whole preview flow on real parts: the express app on a free port receiving signed
// webhooks, Redis queues under a random prefix, a BullMQ Worker running the preview processor,
// real git repositories as the apps' repoUrl, the run's control plane, and the forge fakes.
import { Job, QueueEvents, Worker } from "bullmq";
import { queuePrefix } from "../../../src/keys.ts";
import type { PreviewOutcome } from "../../../src/preview/pipeline.ts";
import { queueNames } from "../../../src/queue/types.ts";
import { createPreviewProcessor } from "../../../workers/preview.ts";
import { startE2e, type E2eBase, type E2eOptions } from "../../support/e2e.ts";

export interface Harness extends Omit<E2eBase, "connection" | "defer"> {
  /** Waits until every job has finished and returns what the processor returned. */
  finished: (ids: string[]) => Promise<PreviewOutcome[]>;
}

export async function startHarness(
  apps: Array<Record<string, unknown>>,
  extraClusters: Array<Record<string, unknown>> = [],
  more: Pick<E2eOptions, "projects" | "kubeconfig" | "githubApp" | "registries" | "images"> = {},
): Promise<Harness> {
  const base = await startE2e({ apps, extraClusters, workDirPrefix: "ferry-preview-e2e-", ...more });
  const { runtime, prefix, connection, defer } = base;
  try {
    const events = new QueueEvents(queueNames.preview, {
      connection: connection(),
      prefix: queuePrefix(prefix),
    });
    defer(() => events.close());
    await events.waitUntilReady();
    const worker = new Worker(queueNames.preview, createPreviewProcessor(runtime), {
      connection: connection(),
      prefix: queuePrefix(prefix),
    });
    defer(() => worker.close());
    await worker.waitUntilReady();

    return {
      ...base,
      finished: async (ids) => {
        const results: PreviewOutcome[] = [];
        for (const id of ids) {
          const job = await Job.fromId(runtime.enqueuer.queues.preview, id);
          if (!job) throw new Error(`no job ${id}`);
          results.push((await job.waitUntilFinished(events, 50_000)) as PreviewOutcome);
        }
        return results;
      },
    };
  } catch (error) {
    await base.close();
    throw error;
  }
}
