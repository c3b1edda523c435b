// The deploy pipeline (docs/architecture.md), top to bottom: take the app's lock →
// resolve the revision → skip what is already live, known bad, or does not change the app
// (src/deploy/affected.ts: recorded as seen, nothing posted) → pending status → checkout
// and render → runSync (plan, apply, prune, health, rollback, history) → status and comment.
//
// When an automatic trigger (webhook, poll) finds the revision that is already the app's last
// healthy one, it stops there: the second of two quick pushes, or a redelivered webhook, then
// applies nothing twice. Drift of that revision is reconcile's business (it syncs with reason
// selfHeal), and "manual", "selfHeal" and "rollback" syncs always re-apply. A revision that was
// rolled back as bad is applied again only when the job says `force` (`/ferry sync --force`,
// `ferry sync --force`), whatever started it; the history then records who asked.
import type { AppConfig } from "../config/schema.ts";
import { sensitiveValues } from "../diff/index.ts";
import { AppError, type ErrorCode } from "../errors.ts";
import { deployLockKey } from "../keys.ts";
import { announceChange } from "../state/changes.ts";
import { scrubbingForge } from "../forges/scrubbed.ts";
import { scrubberFor } from "../observability/scrub.ts";
import type { SyncJob } from "../queue/types.ts";
import type { Runtime } from "../runtime/context.ts";
import type { SyncMetrics } from "../sync/metrics.ts";
import { runSync } from "../sync/engine.ts";
import { isBadRevision, readHealthyRevision, recordDeployment, recordSyncEnded } from "../sync/history.ts";
import { readPause } from "../sync/pause.ts";
import type { SyncOutcome } from "../sync/types.ts";
import { outcome, type Outcome } from "../outcome.ts";
import { policyError, violationsOf } from "../policy/check.ts";
import type { DeployCause } from "../sync/history.ts";
import { headAffectsApp, markSeenHead } from "./affected.ts";
import { imagesOfRevision } from "./images.ts";
import { deployAnnotations } from "./annotations.ts";
import { deployCause } from "./cause.ts";
import { dryRunDeploy, type DryRunResult } from "./dry-run.ts";
import {
  feedbackQueue,
  reportFailure,
  reportHeldBack,
  reportOutcome,
  reportPending,
  type FeedbackTarget,
} from "./feedback.ts";
import { withAppLock } from "./lock.ts";
import { phaseTimer, type PhaseTimer } from "../observability/phases.ts";
import { observePhases } from "../sync/metrics.ts";
import { renderBranchRevision, renderRevision, resolveRevision } from "./source.ts";

export interface DeployOptions {
  signal?: AbortSignal;
  /** The job's last attempt: a transient failure is then reported instead of retried. */
  finalAttempt?: boolean;
  /** App lock TTL (renewed at a third of it) and how long to wait for a running sync. */
  lockTtlMs?: number;
  lockWaitMs?: number;
  /** Health polling interval handed to the engine. */
  pollIntervalMs?: number;
  /** Sync counters and durations (syncMetrics on the process's registry). */
  metrics?: SyncMetrics;
}

/**
 * How a deploy ended (src/outcome.ts): skipped before anything was read from the cluster,
 * refused before anything was sent to it (with the error's code), planned only (--dry-run), or
 * the sync engine's own outcome.
 */
export type DeployRun =
  | (Outcome<"AlreadyDeployed" | "NotAffected" | "HeldBack" | "Paused"> & { app: string; revision: string })
  | (Outcome<"RenderFailed" | "PolicyRefused"> & { app: string; revision: string; code: ErrorCode })
  | (Outcome<"DryRun"> & DryRunResult)
  | SyncOutcome;

const AUTOMATIC = new Set<SyncJob["reason"]>(["webhook", "poll"]);
/** What a pause stops: every sync no person asked for (pushes, polls, reconcile's heals). */
const PAUSABLE = new Set<SyncJob["reason"]>(["webhook", "poll", "selfHeal"]);

export async function runDeploy(
  job: SyncJob,
  runtime: Runtime,
  options: DeployOptions = {},
): Promise<DeployRun> {
  const run = await deployOrSkip(job, runtime, options);
  // The run's end, after its lock was released, outdates a "Syncing" that a reconcile run saved
  // while this sync was queued or running (state/app-state-index.ts deriveState). Whatever the
  // result: a skipped sync writes no record, and a record is dated before the outcome's forge
  // feedback went out and the lock was released, while the job still counted as in flight. A
  // dry run changes nothing and must not outdate the Syncing of a sync still queued.
  if (job.dryRun !== true) await recordSyncEnded(runtime.redis, runtime.prefix, job.app);
  return run;
}

async function deployOrSkip(job: SyncJob, runtime: Runtime, options: DeployOptions): Promise<DeployRun> {
  const app = runtime.app(job.app);
  if (job.dryRun === true) {
    const revision = await resolveRevision(runtime, app, job);
    return { ...outcome("DryRun"), ...(await dryRunDeploy(runtime, app, revision, options.signal)) };
  }
  if (PAUSABLE.has(job.reason)) {
    const pause = await readPause(runtime.redis, runtime.prefix, app.name);
    if (pause) {
      runtime.logger.info({ app: app.name, reason: job.reason, pausedBy: pause.by }, "automatic sync paused");
      return { ...outcome("Paused", `paused by ${pause.by}`), app: app.name, revision: job.sha ?? "" };
    }
  }
  // Deploy plus rollback each get healthTimeout; a waiting sync gives up a little after that.
  const lock = {
    ttlMs: options.lockTtlMs ?? 30_000,
    waitMs: options.lockWaitMs ?? 2 * app.sync.healthTimeout + 60_000,
    ...(options.signal ? { signal: options.signal } : {}),
    released: () => announceChange(runtime.redis, runtime.prefix, { app: app.name }),
  };
  const phases = phaseTimer();
  const logger = runtime.logger.child({ app: app.name, reason: job.reason, jobSha: job.sha });
  try {
    return await withAppLock(runtime.redis, deployLockKey(runtime.prefix, app.name), lock, (signal) => {
      phases.lap("lock");
      return deployLocked(job, runtime, app, { ...options, signal }, phases);
    });
  } finally {
    const laps = phases.laps();
    logger.debug({ phasesMs: laps }, "deploy phases");
    if (options.metrics) observePhases(options.metrics, laps);
  }
}

async function deployLocked(
  job: SyncJob,
  runtime: Runtime,
  app: AppConfig,
  options: DeployOptions & { signal: AbortSignal },
  phases: PhaseTimer,
): Promise<DeployRun> {
  const revision = await resolveRevision(runtime, app, job);
  phases.lap("revision");
  const logger = runtime.logger.child({ app: app.name, revision, reason: job.reason, jobSha: job.sha });
  const base = { app: app.name, revision };
  if (job.force !== true && (await isBadRevision(runtime.redis, runtime.prefix, app.name, revision))) {
    logger.info("revision was rolled back before; waiting for a newer commit");
    const why = "rolled back before; waiting for a newer commit (or a sync with --force)";
    // Said once per push, not on every poll.
    if (job.reason === "webhook")
      await reportHeldBack({ forge: runtime.forgeOf(app), app, revision, logger }, why);
    return { ...base, ...outcome("HeldBack", why) };
  }
  const automatic = AUTOMATIC.has(job.reason);
  const healthy = automatic ? await verifiedHealthyRevision(runtime, app.name) : undefined;
  phases.lap("marks");
  if (automatic && healthy === revision) {
    logger.info("revision already deployed and healthy; nothing to do");
    return { ...base, ...outcome("AlreadyDeployed", "already deployed and healthy") };
  }
  // A push or poll of a head that changes none of the app's render inputs: nothing to say.
  if (automatic) {
    const affected = await headAffectsApp(runtime, app, { head: revision, healthy }, logger);
    phases.lap("affected");
    if (!affected) {
      await markSeenHead(runtime, app.name, revision);
      logger.info("the commit changes none of the app's render inputs; recorded as seen");
      return { ...base, ...outcome("NotAffected", "the commit changes none of the app's render inputs") };
    }
  }

  const forge = runtime.forgeOf(app);
  const target: FeedbackTarget = { forge, app, revision, logger };
  // Neither the pending status nor the cause (two forge reads) holds up the deploy: the status
  // goes out in the background, the cause is looked up while the revision renders.
  const feedback = feedbackQueue(logger);
  const started = Date.now();
  feedback.post(() => reportPending(target));
  const looking = deployCause(job, { forge, repo: app.repo, revision, logger });
  try {
    return await deploySource(job, runtime, app, options, phases, { target, feedback, started, looking });
  } finally {
    await feedback.drained();
    phases.lap("feedback");
  }
}

/** What deployLocked hands on once the deploy is announced (pending status, cause lookup). */
interface Deploying {
  target: FeedbackTarget;
  feedback: ReturnType<typeof feedbackQueue>;
  started: number;
  looking: Promise<DeployCause>;
}

async function deploySource(
  job: SyncJob,
  runtime: Runtime,
  app: AppConfig,
  options: DeployOptions & { signal: AbortSignal },
  phases: PhaseTimer,
  deploying: Deploying,
): Promise<DeployRun> {
  const { signal } = options;
  const { target, feedback, started } = deploying;
  const { revision, logger } = target;
  const base = { app: app.name, revision };
  const rendered = await renderRevision(runtime, app, revision, signal);
  phases.lap("render");
  const cause = await deploying.looking;
  phases.lap("cause");
  // The trigger's change request belongs to the commit it saw, not to a newer head; a push's
  // is the one the cause found, so the deploy note needs no second lookup.
  const changeRequest =
    job.changeRequest !== undefined && (job.sha === undefined || job.sha === revision)
      ? job.changeRequest
      : cause.kind === "changeRequest"
        ? cause.number
        : undefined;
  if (changeRequest !== undefined) target.changeRequest = changeRequest;
  if (!rendered.ok) {
    logger.warn({ code: rendered.error.code, reason: rendered.error.message }, "render failed");
    await recordFailureBeforeSync(
      runtime,
      { job, cause, revision, started },
      outcome("RenderFailed", `rendering failed: ${rendered.error.message}`),
    );
    feedback.post(() => reportFailure(target, `rendering failed: ${rendered.error.message}`));
    return { ...base, ...outcome("RenderFailed", rendered.error.message), code: rendered.error.code };
  }

  // The project's verdict comes before any request about the objects: a refused object means
  // nothing of this revision is applied, the allowed objects included.
  const kube = runtime.kubeFor(app);
  const project = runtime.projectOf(app);
  const violations = await violationsOf(project, app, rendered.objects, kube);
  phases.lap("policy");
  if (violations.length > 0) {
    const refused = policyError(app, violations);
    logger.warn({ violations }, "refused by the project");
    await recordFailureBeforeSync(
      runtime,
      { job, cause, revision, started },
      outcome("PolicyRefused", refused.message),
    );
    feedback.post(() => reportFailure(target, refused.message));
    return { ...base, ...outcome("PolicyRefused", refused.message), code: refused.code };
  }

  // From here on, every text about this deploy (statuses, comments, history, logs) is scrubbed
  // of the values of the Secrets it renders: an admission webhook may echo them.
  const scrub = scrubberFor(sensitiveValues(rendered.objects));
  const images = await imagesOfRevision(runtime, app, revision, rendered.objects, logger);
  phases.lap("images");
  const synced = await runSync({
    kube,
    scrub,
    allowAdoption: project.allowAdoption,
    redis: runtime.redis,
    prefix: runtime.prefix,
    seal: runtime.seal,
    renderFromGit: (earlier) => renderBranchRevision(runtime, app, earlier, logger, signal),
    app,
    objects: rendered.objects,
    revision,
    images,
    trigger: {
      reason: job.reason,
      cause,
      ...(job.force === true ? { force: true } : {}),
      ...(job.author !== undefined ? { author: job.author } : {}),
      ...(target.changeRequest !== undefined ? { changeRequest: target.changeRequest } : {}),
    },
    logger,
    signal,
    options: {
      checks: runtime.healthChecks,
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
      phases,
    },
  });
  if (retryable(synced) && options.finalAttempt === false) {
    // The cluster did not answer: let BullMQ try again later; apply is idempotent.
    throw new AppError((synced.code ?? "KUBE_UNAVAILABLE") as ErrorCode, synced.message ?? "sync failed", {
      retryable: true,
    });
  }
  // Made when posted: the pending post sets the check run's id on the target first.
  const annotations = target.forge.checks ? deployAnnotations(app.name, rendered.objects, synced) : [];
  feedback.post(() =>
    reportOutcome({ ...target, forge: scrubbingForge(target.forge, scrub) }, synced, annotations),
  );
  return synced;
}

/**
 * The last healthy revision as its sealed record names it. Skipping a deploy is a decision, so
 * it never rests on the clear-text `revision` field (readHealthyMark, for display): anyone who
 * can write to Redis could set that to a new commit and have Ferry ignore it. A record that
 * does not open is counted as refused, and the deploy goes ahead from Git.
 */
async function verifiedHealthyRevision(runtime: Runtime, app: string): Promise<string | undefined> {
  const healthy = await readHealthyRevision(runtime.redis, runtime.prefix, runtime.seal, app);
  return healthy.state === "verified" ? healthy.revision : undefined;
}

/** The engine says the cluster did not answer (nothing marked bad, nothing rolled back). */
function retryable(outcome: SyncOutcome): boolean {
  return outcome.result === "failed" && outcome.retryable === true;
}

/** A failure found before anything was sent about the objects: the cluster is untouched. */
async function recordFailureBeforeSync(
  runtime: Runtime,
  attempt: { job: SyncJob; cause: DeployCause; revision: string; started: number },
  failure: Outcome<"RenderFailed" | "PolicyRefused">,
): Promise<void> {
  const { job, cause, revision, started } = attempt;
  await recordDeployment(runtime.redis, runtime.prefix, job.app, {
    revision,
    trigger: job.reason,
    cause,
    ...(job.author !== undefined ? { author: job.author } : {}),
    ...(job.changeRequest !== undefined ? { changeRequest: job.changeRequest } : {}),
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    ...failure,
    changed: 0,
    health: "Unknown",
  });
}
