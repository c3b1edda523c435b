// runSync: make one app's cluster state match one rendered revision, prove it healthy, and
// roll back by itself when it is not. The caller (workers/sync.ts, `ferry sync`) resolves the
// revision, renders it and holds the per-app lock; runSync does the rest and never throws for
// a failed sync: the outcome (src/outcome.ts) says what happened and why (outcome.retryable: the cluster did not answer,
// nothing was marked or rolled back, try the job again). It throws only when it was aborted or
// when Redis fails while recording.
//
// Inputs (SyncInput):
//   kube     KubeClient of the app's destination cluster (Runtime.kubeFor: as its project's
//            ServiceAccount when it names one)
//   allowAdoption  the project lets apply take over another app's objects (default false)
//   redis    ioredis instance: inventory copy, history, last healthy manifests, bad-revision mark
//   prefix   ferry.yaml's redis.prefix: where those keys live (src/keys.ts)
//   seal     StateSeal (src/state/seal.ts): seals the last healthy manifests, opens them for rollback
//   scrub    optional Scrubber (src/observability/scrub.ts) of the Secrets the job rendered: every
//            failure text the engine records, logs or returns passes it
//   renderFromGit  optional: renders a revision of the app's branch again, for a rollback whose
//            stored manifests were refused (the deploy pipeline passes it)
//   app      the app's validated config (destination, sync.prune/force/rollback/healthTimeout/
//            pruneBudget/allowPrune/inventoryNamespace)
//   objects  the rendered manifests of `revision` (the planner stamps tracking label/annotation
//            and namespace again, so any renderer output works)
//   revision the commit SHA being deployed
//   images   optional: the container images of `objects` and where they came from
//            (src/images/deployed.ts), kept in the history record
//   trigger  why: { reason: webhook|poll|manual|selfHeal|rollback, cause?, force?, author?,
//            changeRequest? }; the cause (who asked) goes into the history record
//            a revision marked bad is skipped unless `force` says to apply it again
//   logger   pino logger the caller has bound to { app, revision } (the deploy pipeline does):
//            runSync does not bind them again, so each log line carries them once
//   signal   aborts between API calls (worker shutdown); the job is then retried and, apply
//            being idempotent, finishes the work
//   options  checks (health registry override), pollIntervalMs, metrics (syncMetrics(registry))
//
// healthTimeout bounds the whole apply-and-wait of the revision (all stages); the rollback
// gets a fresh healthTimeout of its own.
import type { RedisClient } from "../queue/connection.ts";
import type { Logger } from "pino";
import type { AppConfig } from "../config/schema.ts";
import { AppError, toAppError } from "../errors.ts";
import type { HealthCheck } from "../health/types.ts";
import { outcome, outcomeOf } from "../outcome.ts";
import type { KubeClient, KubeObject } from "../kube/types.ts";
import type { syncReasons } from "../queue/types.ts";
import type { PhaseTimer } from "../observability/phases.ts";
import type { Scrubber } from "../observability/scrub.ts";
import type { StateSeal } from "../state/seal.ts";
import type { DeployedImage } from "../images/deployed.ts";
import { deploy, newProgress, type DeployContext, type DeployProgress } from "./deploy.ts";
import {
  isBadRevision,
  markBadRevision,
  recordDeployment,
  saveHealthyRevision,
  type DeployCause,
} from "./history.ts";
import { observeOutcome, type SyncMetrics } from "./metrics.ts";
import { rollback } from "./rollback.ts";
import { FAILED_AT, type SyncOutcome } from "./types.ts";
import { refusedObjects } from "./validate.ts";

export interface SyncInput {
  kube: KubeClient;
  /** The app's project lets apply take over objects another app's tracking annotation claims. */
  allowAdoption?: boolean;
  redis: RedisClient;
  prefix: string;
  seal: StateSeal;
  scrub?: Scrubber;
  renderFromGit?: DeployContext["renderFromGit"];
  app: AppConfig;
  objects: KubeObject[];
  revision: string;
  /** The images `objects` run and where they came from, for the history record. */
  images?: DeployedImage[];
  trigger: {
    reason: (typeof syncReasons)[number];
    cause?: DeployCause;
    force?: boolean;
    author?: string;
    changeRequest?: number;
  };
  logger: Logger;
  signal?: AbortSignal;
  options?: {
    checks?: ReadonlyMap<string, HealthCheck>;
    pollIntervalMs?: number;
    metrics?: SyncMetrics;
    /** Lapped at each step boundary (observability/phases.ts). */
    phases?: PhaseTimer;
  };
}

/**
 * What a failure calls for. Nothing to undo when nothing was applied or pruned; the SHA is
 * marked bad when the revision itself is at fault (the cluster rejected it, at validation or at
 * apply, or what it changed did not become healthy), never for a refused prune or invalid
 * manifests caught while planning, nor when the cluster was unreachable (retryable: the job is
 * tried again).
 */
function consequences(error: AppError, progress: DeployProgress): { markBad: boolean; rollback: boolean } {
  if (error.retryable) return { markBad: false, rollback: false };
  if (progress.step === "plan" || progress.step === "prune-check") return { markBad: false, rollback: false };
  // Refused by validation: nothing of the revision was written (at most the namespaces and CRDs
  // it brings), so there is nothing to undo, but automatic syncs must not try it again.
  if (progress.step === "validate") return { markBad: error.code === "KUBE_REJECTED", rollback: false };
  const changed = progress.applied.length + progress.pruned.length > 0;
  return { markBad: changed || error.code === "KUBE_REJECTED", rollback: changed };
}

function contextOf(input: SyncInput, logger: Logger): DeployContext {
  return {
    kube: input.kube,
    redis: input.redis,
    prefix: input.prefix,
    seal: input.seal,
    ...(input.scrub ? { scrub: input.scrub } : {}),
    ...(input.renderFromGit ? { renderFromGit: input.renderFromGit } : {}),
    app: input.app,
    allowAdoption: input.allowAdoption ?? false,
    logger,
    ...(input.signal ? { signal: input.signal } : {}),
    ...(input.options?.checks ? { checks: input.options.checks } : {}),
    ...(input.options?.pollIntervalMs ? { pollIntervalMs: input.options.pollIntervalMs } : {}),
    ...(input.options?.phases ? { phases: input.options.phases } : {}),
  };
}

export async function runSync(input: SyncInput): Promise<SyncOutcome> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const { app, redis, prefix, revision } = input;
  const { logger } = input;
  const base = { app: app.name, revision };

  if (input.trigger.force !== true && (await isBadRevision(redis, prefix, app.name, revision))) {
    logger.info("revision marked bad; skipped");
    const skipped: SyncOutcome = {
      ...base,
      ...outcome("HeldBack", `${revision} was rolled back before; waiting for a newer commit`),
      applied: [],
      pruned: [],
      unchanged: [],
      health: { status: "Unknown" },
      durationMs: Date.now() - started,
    };
    if (input.options?.metrics) observeOutcome(input.options.metrics, skipped);
    return skipped;
  }

  const context = contextOf(input, logger);
  const progress = newProgress();
  let ended: SyncOutcome;
  try {
    const deadline = started + app.sync.healthTimeout;
    const result = await deploy(
      context,
      { objects: input.objects, revision, prune: app.sync.prune, deadline },
      progress,
    );
    await saveHealthyRevision(redis, prefix, input.seal, app.name, revision, input.objects);
    input.options?.phases?.lap("record");
    ended = {
      ...base,
      ...outcome("Deployed"),
      ...lists(progress),
      health: result.health,
      durationMs: Date.now() - started,
    };
    logger.info({ applied: progress.applied.length, pruned: progress.pruned.length }, "sync succeeded");
  } catch (thrown) {
    input.signal?.throwIfAborted();
    const error = scrubbed(toAppError(thrown, "SYNC_FAILED"), input.scrub);
    ended = await onFailure(input, context, progress, error, started);
    const refused = refusedObjects(toAppError(thrown));
    if (refused.length > 0) {
      const scrub = input.scrub ?? ((text: string) => text);
      ended.refused = refused.map((item) => ({ key: item.key, message: scrub(item.message) }));
    }
  }
  await recordDeployment(redis, prefix, app.name, {
    revision,
    trigger: input.trigger.reason,
    ...(input.trigger.cause ? { cause: input.trigger.cause } : {}),
    ...(input.trigger.author ? { author: input.trigger.author } : {}),
    ...(input.trigger.changeRequest ? { changeRequest: input.trigger.changeRequest } : {}),
    startedAt,
    durationMs: ended.durationMs,
    ...outcomeOf(ended),
    changed: ended.applied.length + ended.pruned.length,
    health: ended.health.status,
    ...(ended.rolledBackTo ? { rolledBackTo: ended.rolledBackTo } : {}),
    ...(input.images && input.images.length > 0 ? { images: input.images } : {}),
  });
  input.options?.phases?.lap("record");
  if (input.options?.metrics) observeOutcome(input.options.metrics, ended);
  return ended;
}

/** The error with its message scrubbed: it becomes the outcome's message, a history entry and logs. */
function scrubbed(error: AppError, scrub: Scrubber | undefined): AppError {
  if (!scrub) return error;
  const message = scrub(error.message);
  if (message === error.message) return error;
  return new AppError(error.code, message, { retryable: error.retryable });
}

function lists(progress: DeployProgress) {
  return { applied: [...progress.applied], pruned: [...progress.pruned], unchanged: [...progress.unchanged] };
}

async function onFailure(
  input: SyncInput,
  context: DeployContext,
  progress: DeployProgress,
  error: AppError,
  started: number,
): Promise<SyncOutcome> {
  const { app, redis, prefix, revision } = input;
  const failed = {
    app: app.name,
    revision,
    ...outcome(FAILED_AT[progress.step], error.message),
    ...lists(progress),
    health: { status: "Degraded" as const, message: error.message },
    failedStep: progress.step,
    code: error.code,
    retryable: error.retryable,
  };
  context.logger.warn({ err: error, step: progress.step }, "sync failed");
  const next = consequences(error, progress);
  // The revision broke the cluster: automatic syncs must not apply it again until a newer commit.
  if (next.markBad) await markBadRevision(redis, prefix, app.name, revision);
  if (!next.rollback) {
    const untouched = progress.applied.length === 0 ? { health: { status: "Unknown" as const } } : {};
    return { ...failed, ...untouched, durationMs: Date.now() - started };
  }
  if (!app.sync.rollback) return { ...failed, durationMs: Date.now() - started };
  const rolled = await rollback(context, {
    revision,
    message: error.message,
    timeoutMs: app.sync.healthTimeout,
  });
  if (!rolled.rolledBack) return { ...failed, message: rolled.message, durationMs: Date.now() - started };
  return {
    ...failed,
    ...outcome("RolledBack", rolled.message),
    health: rolled.health,
    rolledBackTo: rolled.revision,
    durationMs: Date.now() - started,
  };
}
