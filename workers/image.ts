// The image queue's worker: per-image poll schedulers (registries[].pollInterval) and the
// processor that decides which tag an image should be at (src/images/update.ts) and proposes it
// as a branch and merge request per app (src/images/propose.ts).
import type { Job } from "bullmq";
import type { AppConfig, RegistryConfig } from "../src/config/schema.ts";
import { proposeImageUpdate, type ProposeDeps } from "../src/images/propose.ts";
import { imagePushes } from "../src/images/pushes.ts";
import { RegistryClient } from "../src/images/registry.ts";
import { syncImageSchedulers } from "../src/images/schedule.ts";
import { processImageJob } from "../src/images/update.ts";
import { imageJobSchema } from "../src/queue/types.ts";
import type { Runtime } from "../src/runtime/context.ts";
import type { QueueWorker } from "./index.ts";
import { jobFailure, parseJob } from "./jobs.ts";

export function createImageWorker(runtime: Runtime): QueueWorker {
  // One client per registry: it keeps the Bearer tokens it was handed per repository.
  const clients = new Map<string, RegistryClient>();
  const registry = (config: RegistryConfig) => {
    let client = clients.get(config.name);
    if (!client) clients.set(config.name, (client = new RegistryClient(config)));
    return client;
  };
  const proposeDeps = imageProposeDeps(runtime);
  return {
    processor: async (job: Job) => {
      const data = parseJob(imageJobSchema, job, "image");
      try {
        return await processImageJob(data, {
          config: runtime.config,
          registry,
          propose: (proposal) => proposeImageUpdate(proposeDeps, proposal),
          logger: runtime.logger,
        });
      } catch (error) {
        throw jobFailure(error);
      }
    },
    concurrency: runtime.config.workers.concurrency.image,
    start: async () => {
      await syncImageSchedulers(runtime.enqueuer.queues.image, runtime.config);
    },
  };
}

/** What the image worker's proposals write with: the runtime's git, forges, queues and Redis. */
export function imageProposeDeps(runtime: Runtime): ProposeDeps {
  return {
    config: runtime.config,
    git: runtime.git,
    location: (app: AppConfig) => runtime.location(app),
    forgeOf: (app: AppConfig) => runtime.forgeOf(app),
    enqueuer: runtime.enqueuer,
    pushes: imagePushes(runtime.redis, runtime.prefix, runtime.seal),
    logger: runtime.logger,
  };
}
