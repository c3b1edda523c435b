// Polling registries, for notifications that never came (or registries that send none): one
// BullMQ job scheduler per followed image on the image queue, every `registries[].pollInterval`,
// each at a fixed offset within its interval (reconcile/scheduler.ts jitterOf) so images of one
// registry do not all list tags at once.
import type { Queue } from "bullmq";
import type { FerryConfig } from "../config/schema.ts";
import type { ImageJob } from "../queue/types.ts";
import { jitterOf } from "../reconcile/scheduler.ts";

const SCHEDULER_PREFIX = "image/";

export function imageSchedulerId(image: string): string {
  return `${SCHEDULER_PREFIX}${image}`;
}

/** Upserts a scheduler per image and removes schedulers of images no longer configured. */
export async function syncImageSchedulers(
  queue: Queue,
  config: Pick<FerryConfig, "images" | "registries">,
): Promise<{ upserted: string[]; removed: string[] }> {
  const wanted = new Set<string>();
  for (const image of config.images) {
    const registry = config.registries.find((candidate) => candidate.name === image.registry);
    if (!registry) continue;
    const id = imageSchedulerId(image.name);
    wanted.add(id);
    const data: ImageJob = { image: image.name, trigger: "poll" };
    await queue.upsertJobScheduler(
      id,
      { every: registry.pollInterval, offset: jitterOf(image.name, registry.pollInterval) },
      { name: "image", data, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 500 } } },
    );
  }
  const removed: string[] = [];
  for (const scheduler of await queue.getJobSchedulers(0, -1)) {
    if (!scheduler.key.startsWith(SCHEDULER_PREFIX) || wanted.has(scheduler.key)) continue;
    await queue.removeJobScheduler(scheduler.key);
    removed.push(scheduler.key);
  }
  return { upserted: [...wanted], removed };
}
