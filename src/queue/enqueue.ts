// Enqueue helpers: job payloads are validated against the shared schemas before they are
// stored, job ids are deterministic, and the dedupe rules live here rather than in callers:
// - previews: one pending job per change request, always for its newest head;
// - syncs: one pending job per app (the worker resolves the branch head when it runs, so a
//   later push only needs a pending sync to exist); a sync that is already running gets one
//   follow-up (BullMQ keepLastIfActive) so the push that arrived during it is not lost.
import type { Job } from "bullmq";
import { duplicateRedis, type RedisClient } from "./connection.ts";
import { withDeadline } from "./deadline.ts";
import { createDeliveryLedger, type DeliveryLedger } from "./deliveries.ts";
import { pendingPreviewKey, previewLockKey } from "../keys.ts";
import {
  changeRequestKey,
  checkActionJobId,
  commandJobId,
  imageDeduplicationId,
  imageJobId,
  previewJobId,
  syncDeduplicationId,
  syncJobId,
} from "./job-ids.ts";
import { withRedisLock } from "./lock.ts";
import { createQueues, closeQueues, type Queues } from "./queues.ts";
import {
  commandJobSchema,
  imageJobSchema,
  previewJobSchema,
  syncJobSchema,
  type CommandJob,
  type ImageJob,
  type PreviewJob,
  type SyncJob,
} from "./types.ts";

export interface Enqueuer {
  readonly queues: Queues;
  readonly deliveries: DeliveryLedger;
  enqueueSync(job: SyncJob): Promise<string>;
  enqueuePreview(job: PreviewJob): Promise<string>;
  enqueueCommand(job: CommandJob): Promise<string>;
  enqueueImage(job: ImageJob): Promise<string>;
  close(): Promise<void>;
}

export interface EnqueuerOptions {
  /** ferry.yaml's redis.prefix: of BullMQ's keys and Ferry's own (src/keys.ts). */
  prefix: string;
  /** Upper bound for one enqueue while Redis is slow or gone. */
  timeoutMs?: number;
}

const pendingStates = new Set(["waiting", "delayed", "prioritized", "waiting-children"]);
const finishedStates = new Set(["completed", "failed"]);
const keepFinished = {
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
};
const pendingPreviewTtlSeconds = 7 * 24 * 3600;
/** Transient failures (forge 5xx, cluster or git unreachable) retry: 1, 2, 4, 8 s. */
const previewRetries = { attempts: 5, backoff: { type: "exponential", delay: 1000 } };
/** A sync aborted by a worker shutdown or crash, or a cluster that did not answer: 2, 4, 8, 16 s. */
const syncRetries = { attempts: 5, backoff: { type: "exponential", delay: 2000 } };
/** A forge that did not answer the permission or change request lookup: 1, 2, 4, 8 s. */
const commandRetries = { attempts: 5, backoff: { type: "exponential", delay: 1000 } };
/** A registry or forge that is briefly away: try again; the next poll also would. */
const imageRetries = { attempts: 3, backoff: { type: "exponential", delay: 5000 } };

/** Removes a job if no worker holds it yet; a job that just became active stays. */
async function removeIfPending(job: Job): Promise<void> {
  if (!pendingStates.has(await job.getState())) return;
  await job.remove().catch(() => undefined);
}

export function createEnqueuer(redis: RedisClient, options: EnqueuerOptions): Enqueuer {
  const keyPrefix = options.prefix;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const queues = createQueues(redis, { prefix: keyPrefix });
  // The delivery ledger talks over its own connection, opened on the first claim (workers never
  // claim). A webhook's claim must not wait behind the BullMQ adds of other deliveries: with
  // auto-pipelining one batch per connection is in flight at a time, and the connection that
  // carries BullMQ's scripts pays for them in every batch it builds.
  let ledgerRedis: RedisClient | undefined;
  const ledgerConnection = () => {
    if (!ledgerRedis) {
      // Without auto-pipelining: the ledger batches its own commands (one per event-loop
      // round), so ioredis' pipeline object and extra setImmediate per command only cost CPU
      // and a loop iteration of latency (bench/README.md, third pass).
      ledgerRedis = duplicateRedis(redis, { enableAutoPipelining: false });
      // Failures reach the caller as rejected commands (503); reconnects are not news.
      ledgerRedis.on("error", () => undefined);
      // Every delivery in flight while it first connects waits for "ready" (whenReady); those
      // listeners are gone once it is up, so a burst of them is not a leak.
      ledgerRedis.setMaxListeners(0);
    }
    return ledgerRedis;
  };
  const deliveries = createDeliveryLedger(ledgerConnection, keyPrefix);

  const enqueueSync = (input: SyncJob) => {
    const data = syncJobSchema.parse(input);
    const options = {
      jobId: syncJobId(data.app, data.deliveryId ?? `${data.reason}-${Date.now()}`),
      deduplication: { id: syncDeduplicationId(data.app), keepLastIfActive: true },
      ...syncRetries,
      ...keepFinished,
    };
    return withDeadline("enqueue sync", timeoutMs, () =>
      queues.sync.add("sync", data, options).then((job) => job.id ?? ""),
    );
  };

  const replacePreview = async (data: PreviewJob): Promise<string> => {
    const changeRequest = changeRequestKey(data.forge, data.repo, data.number);
    const id = previewJobId(data.forge, data.repo, data.number, data.headSha);
    const pendingKey = pendingPreviewKey(keyPrefix, changeRequest);
    const previous = await redis.get(pendingKey);
    if (previous !== null && previous !== id) {
      const job = await queues.preview.getJob(previous);
      if (job) await removeIfPending(job);
    }
    const existing = await queues.preview.getJob(id);
    // Same head pending or running: nothing new to do. Same head finished: run it again
    // (a reopened or re-requested preview must produce a fresh comment).
    if (existing && !finishedStates.has(await existing.getState())) {
      await redis.set(pendingKey, id, "EX", pendingPreviewTtlSeconds);
      return id;
    }
    if (existing) await existing.remove();
    await queues.preview.add("preview", data, { jobId: id, ...previewRetries, ...keepFinished });
    await redis.set(pendingKey, id, "EX", pendingPreviewTtlSeconds);
    return id;
  };

  const enqueuePreview = (input: PreviewJob) => {
    const data = previewJobSchema.parse(input);
    const lock = previewLockKey(keyPrefix, changeRequestKey(data.forge, data.repo, data.number));
    return withDeadline("enqueue preview", timeoutMs, () =>
      withRedisLock(redis, lock, { ttlMs: 5_000, waitMs: timeoutMs }, () => replacePreview(data)),
    );
  };

  const enqueueCommand = (input: CommandJob) => {
    const data = commandJobSchema.parse(input);
    return withDeadline("enqueue command", timeoutMs, async () => {
      const jobId =
        data.source === "checkAction"
          ? checkActionJobId(data.forge, data.repo, data.checkRunId, data.deliveryId)
          : commandJobId(data.forge, data.repo, data.number, data.commentId);
      const job = await queues.command.add("command", data, { jobId, ...commandRetries, ...keepFinished });
      return job.id ?? jobId;
    });
  };

  const enqueueImage = (input: ImageJob) => {
    const data = imageJobSchema.parse(input);
    const options = {
      jobId: imageJobId(data.image, data.eventId ?? `${data.trigger}-${Date.now()}`),
      // A job lists every tag and proposes the newest, so one pending per image is enough;
      // one that arrives while another runs is kept, so a tag pushed meanwhile is not missed.
      deduplication: { id: imageDeduplicationId(data.image), keepLastIfActive: true },
      ...imageRetries,
      ...keepFinished,
    };
    return withDeadline("enqueue image", timeoutMs, () =>
      queues.image.add("image", data, options).then((job) => job.id ?? ""),
    );
  };

  return {
    queues,
    deliveries,
    enqueueSync,
    enqueuePreview,
    enqueueCommand,
    enqueueImage,
    close: async () => {
      await closeQueues(queues);
      // The ledger's own duplicate (opened on first claim); the caller's connection stays open.
      if (ledgerRedis) await ledgerRedis.quit().catch(() => ledgerRedis?.disconnect());
    },
  };
}
