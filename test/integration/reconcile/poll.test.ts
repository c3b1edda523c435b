// Lost webhooks: a commit pushed to the tracked branch with no webhook is found by the
// per-app job scheduler's poll (2 s interval here) and a sync is enqueued with reason "poll";
// the revision that failed last is never enqueued again, a newer one is.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Job } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CliGitService } from "../../../src/git/service.ts";
import type { SyncJob } from "../../../src/queue/types.ts";
import { processReconcileJob } from "../../../src/reconcile/process.ts";
import { schedulerId, syncSchedulers } from "../../../src/reconcile/scheduler.ts";
import { readAppStatus } from "../../../src/reconcile/status.ts";
import { indexSettled } from "../../../src/state/app-state-index.ts";
import { readOverviews } from "../../../src/status/overview.ts";
import { recordDeployment } from "../../../src/sync/history.ts";
import { pauseApp, resumeApp } from "../../../src/sync/pause.ts";
import { createRepo, type TestRepo } from "../../support/git.ts";
import { appConfig, eventually, harness, type Harness } from "./helpers.ts";

let repo: TestRepo;
let cacheDir: string;
let h: Harness | undefined;

beforeEach(async () => {
  repo = await createRepo({ "apps/shop/cm.yaml": "kind: ConfigMap\n" });
  cacheDir = await mkdtemp(join(tmpdir(), "ferry-poll-"));
});

afterEach(async () => {
  await h?.close();
  h = undefined;
  await repo.cleanup();
  await rm(cacheDir, { recursive: true, force: true });
});

function pollHarness(extra: Record<string, unknown> = {}): Harness {
  const app = appConfig("shop", "shop", { repoUrl: repo.dir, sync: { interval: "2s" }, ...extra });
  return harness([app], { git: new CliGitService({ cacheDir }) });
}

const syncJobs = async (harnessed: Harness): Promise<Array<Job<SyncJob>>> =>
  (await harnessed.enqueuer.queues.sync.getJobs(["waiting", "delayed", "prioritized", "active"])) as Array<
    Job<SyncJob>
  >;

/** A webhook's 5 s sync of `revision` that succeeded and ended `endedAgoMs` ago. */
const webhookDeployed = (revision: string, endedAgoMs: number) => ({
  revision,
  trigger: "webhook" as const,
  startedAt: new Date(Date.now() - endedAgoMs - 5_000).toISOString(),
  durationMs: 5_000,
  result: "succeeded" as const,
  changed: 1,
  health: "Healthy",
});

describe("branch polling", () => {
  it("enqueues a sync with reason poll for a commit whose webhook never came", async () => {
    h = pollHarness();
    const applied = await repo.head();
    await h.store.recordApplied("shop", applied, []);
    await syncSchedulers(h.enqueuer.queues.reconcile, h.apps);
    expect((await h.enqueuer.queues.reconcile.getJobSchedulers()).map((item) => item.key)).toEqual([
      schedulerId("shop"),
    ]);
    h.startWorker();
    const pushed = await (async () => {
      await repo.write({ "apps/shop/cm.yaml": "kind: ConfigMap\ndata: {a: b}\n" });
      return repo.commit("no webhook for this one");
    })();
    const started = Date.now();
    const harnessed = h;
    const [job] = await eventually("a poll sync", async () => {
      const jobs = await syncJobs(harnessed);
      return jobs.length > 0 ? jobs : undefined;
    });
    console.log(`poll enqueued the sync ${Date.now() - started} ms after the push (interval 2000 ms)`);
    expect(job?.data).toMatchObject({ app: "shop", reason: "poll", sha: pushed });

    // Apps that leave the configuration lose their scheduler.
    expect((await syncSchedulers(h.enqueuer.queues.reconcile, [])).removed).toEqual([schedulerId("shop")]);
    expect(await h.enqueuer.queues.reconcile.getJobSchedulers()).toEqual([]);
  });

  it("does not enqueue the last failed revision and does enqueue a newer one", async () => {
    h = pollHarness();
    await h.store.recordApplied("shop", await repo.head(), []);
    const bad = await repo.commit("breaks the app");
    await h.store.recordFailed("shop", bad);
    const first = await processReconcileJob({ app: "shop", trigger: "timer" }, h.deps);
    expect(first).toMatchObject({ poll: "HeldBack", status: "Failed" });
    expect(await syncJobs(h)).toEqual([]);
    expect((await readAppStatus(h.redis, "shop", h.prefix))?.message).toContain(bad);

    const fixed = await repo.commit("fixes it");
    const second = await processReconcileJob({ app: "shop", trigger: "timer" }, h.deps);
    expect(second).toMatchObject({ poll: "SyncEnqueued", status: "Syncing" });
    expect((await syncJobs(h)).map((job) => job.data)).toEqual([
      expect.objectContaining({ app: "shop", reason: "poll", sha: fixed }),
    ]);
  });

  it("dates its Syncing by when it looked, so a sync that ended meanwhile reads Synced, not Syncing", async () => {
    h = pollHarness();
    const harnessed = h;
    await h.store.recordApplied("shop", await repo.head(), []);
    const pushed = await repo.commit("deployed by its webhook while the poll runs");
    // The webhook's sync of the same head ends just after the poll read what was applied.
    const store = h.store;
    let ended = false;
    const racing = {
      ...store,
      lastApplied: async (app: string) => {
        const applied = await store.lastApplied(app);
        if (!ended) {
          ended = true;
          await recordDeployment(harnessed.redis, harnessed.prefix, "shop", webhookDeployed(pushed, 0));
        }
        return applied;
      },
    };
    const outcome = await processReconcileJob(
      { app: "shop", trigger: "timer" },
      { ...h.deps, store: racing },
    );
    expect(ended).toBe(true);
    // The poll did see a head it had not applied: it queued a sync and saved Syncing...
    expect(outcome).toMatchObject({ poll: "SyncEnqueued", status: "Syncing" });
    expect((await readAppStatus(h.redis, "shop", h.prefix))?.status).toBe("Syncing");
    // ...which is older than the sync that ended while it looked.
    const [overview] = await readOverviews({ redis: h.redis, prefix: h.prefix }, h.apps);
    expect(overview?.sync).toBe("Synced");
  });

  it("still reads Syncing for a sync it saw queued when an earlier sync ended while it polled", async () => {
    h = pollHarness();
    const harnessed = h;
    const head = await repo.head();
    await h.store.recordApplied("shop", head, []);
    await recordDeployment(h.redis, h.prefix, "shop", webhookDeployed(head, 55_000));
    // A webhook's sync waits in the queue (no sync worker runs here)...
    await h.enqueuer.enqueueSync({ app: "shop", reason: "webhook", sha: head });
    // ...and an earlier sync of the app ends while the poll asks Git for the head.
    const store = h.store;
    let ended = false;
    const racing = {
      ...store,
      lastApplied: async (app: string) => {
        if (!ended) {
          ended = true;
          await indexSettled(harnessed.redis.multi(), harnessed.prefix, "shop", Date.now() - 1).exec();
        }
        return store.lastApplied(app);
      },
    };
    const outcome = await processReconcileJob(
      { app: "shop", trigger: "timer" },
      { ...h.deps, store: racing },
    );
    expect(ended).toBe(true);
    expect(outcome).toMatchObject({ status: "Syncing" });
    const [overview] = await readOverviews({ redis: h.redis, prefix: h.prefix }, h.apps);
    expect(overview?.sync).toBe("Syncing");
  });

  it("only reports a new head when sync.auto is off", async () => {
    h = pollHarness({ sync: { interval: "2s", auto: false } });
    await h.store.recordApplied("shop", await repo.head(), []);
    await repo.commit("manual deploys only");
    const outcome = await processReconcileJob({ app: "shop", trigger: "timer" }, h.deps);
    expect(outcome.poll).toBe("AutoSyncOff");
    expect(await syncJobs(h)).toEqual([]);
  });

  it("enqueues nothing for a paused app and reports its new head, then syncs it once resumed", async () => {
    h = pollHarness();
    await h.store.recordApplied("shop", await repo.head(), []);
    await pauseApp(h.redis, h.prefix, "shop", "ada@example.com");
    const waiting = await repo.commit("pushed while paused");
    const paused = await processReconcileJob({ app: "shop", trigger: "timer" }, h.deps);
    expect(paused.poll).toBe("Paused");
    expect(await syncJobs(h)).toEqual([]);
    await resumeApp(h.redis, h.prefix, "shop");
    const resumed = await processReconcileJob({ app: "shop", trigger: "timer" }, h.deps);
    expect(resumed.poll).toBe("SyncEnqueued");
    expect((await syncJobs(h)).map((job) => job.data)).toEqual([
      expect.objectContaining({ app: "shop", reason: "poll", sha: waiting }),
    ]);
  });
});
