// The preview pipeline (docs/architecture.md), top to bottom: is this head still the newest
// → pending status → changed paths → touched apps → render and dry-run each → post the comment
// and the final status → for Ferry's own green image update, its automatic merge
// (src/images/auto-merge.ts). Nothing in a cluster changes here: every apply is a dry run.
import type { AppConfig } from "../config/schema.ts";
import type { AppDiff } from "../diff/index.ts";
import { AppError, isAppError, toAppError } from "../errors.ts";
import type { CheckAnnotation, Forge } from "../forges/index.ts";
import type { Checkout, GitService, RepoLocation } from "../git/types.ts";
import { autoMergeImageUpdate, type AutoMergeOutcome } from "../images/auto-merge.ts";
import { imagePushes } from "../images/pushes.ts";
import type { Logger } from "../observability/logger.ts";
import type { PreviewJob } from "../queue/types.ts";
import { PREVIEW_CONTEXT, previewError, previewPending } from "../report/index.ts";
import type { Runtime } from "../runtime/context.ts";
import { annotationsFor } from "./annotations.ts";
import { diffApp } from "./app-diff.ts";
import { failPreviewChecks, startPreviewChecks, type PreviewChecks } from "./checks.ts";
import { previewMetrics } from "./metrics.ts";
import { resolveBase } from "./base.ts";
import { publishPreview } from "./publish.ts";
import { touchedApps } from "../render/index.ts";

export const FORK_NOTE =
  "The head comes from a fork: it is rendered and compared with the base, not dry-run against the cluster.";

export interface PreviewRunOptions {
  signal?: AbortSignal;
  /**
   * This is the job's last attempt: an unreachable cluster then yields a render-only preview
   * instead of a retry, and any other failure leaves an "error" status instead of "pending".
   */
  finalAttempt?: boolean;
}

export type PreviewOutcome =
  | { result: "superseded" | "closed"; newestHead: string }
  | {
      result: "posted";
      apps: string[];
      previewId: string;
      url: string;
      state: string;
      comment: string;
      /** Ferry's own image update only: whether it was merged automatically, and why (not). */
      autoMerge?: AutoMergeOutcome;
    };

export async function runPreview(
  job: PreviewJob,
  runtime: Runtime,
  options: PreviewRunOptions = {},
): Promise<PreviewOutcome> {
  const metrics = previewMetrics(runtime.registry);
  const stop = metrics.seconds.startTimer();
  const record = (result: string) => {
    metrics.runs.inc({ result });
    stop({ result });
  };
  try {
    const outcome = await previewSteps(job, runtime, options);
    record(outcome.result === "posted" ? outcome.state : outcome.result);
    return outcome;
  } catch (error) {
    record("error");
    throw error;
  }
}

async function previewSteps(
  job: PreviewJob,
  runtime: Runtime,
  options: PreviewRunOptions,
): Promise<PreviewOutcome> {
  const apps = configuredApps(job, runtime);
  const first = apps[0];
  if (!first) throw new AppError("CONFIG_INVALID", `none of the apps ${job.apps.join(", ")} is configured`);
  const forge = runtime.forgeOf(first);
  const log = runtime.logger.child({ preview: `${job.forge}/${job.repo}!${job.number}`, head: job.headSha });

  const stale = await staleness(forge, job);
  if (stale) {
    log.info({ newestHead: stale.newestHead, result: stale.result }, "preview skipped");
    return stale;
  }
  const status = { sha: job.headSha, context: PREVIEW_CONTEXT };
  // With check runs, each touched app's run says "in progress" instead of one pending status.
  const runs: PreviewChecks = new Map();
  if (!forge.checks) await forge.setStatus(job.repo, { ...status, ...previewPending() });
  try {
    const location = runtime.location(first);
    const baseSha = await resolveBase(runtime.git, location, job);
    const { diffs, annotations } = await diffTouchedApps(runtime, apps, location, job.headSha, baseSha, {
      renderOnly: job.isFork ? FORK_NOTE : undefined,
      fallbackOnUnavailable: options.finalAttempt ?? true,
      log,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(forge.checks
        ? {
            onTouched: async (touched: AppConfig[]) => {
              const started = await startPreviewChecks(
                forge,
                job,
                touched.map((app) => app.name),
              );
              for (const [app, id] of started) runs.set(app, id);
            },
          }
        : {}),
    });
    // Rendering takes a while: a push in between makes this run's result stale.
    const staleNow = await staleness(forge, job);
    if (staleNow) {
      log.info({ newestHead: staleNow.newestHead, result: staleNow.result }, "preview skipped");
      return staleNow;
    }
    const published = await publishPreview({
      job,
      forge,
      redis: runtime.redis,
      config: runtime.config,
      baseSha,
      apps: diffs,
      ...(forge.checks ? { checks: { runs, annotations } } : {}),
    });
    log.info(
      { apps: diffs.map((d) => d.app), state: published.status.state, comment: published.comment.action },
      "preview posted",
    );
    const autoMerge = await autoMergeImageUpdate(
      {
        config: runtime.config,
        pushes: imagePushes(runtime.redis, runtime.prefix, runtime.seal),
        logger: log,
      },
      forge,
      job,
      { state: published.status.state, apps: diffs },
    );
    return {
      result: "posted",
      apps: diffs.map((d) => d.app),
      previewId: published.previewId,
      url: published.url,
      state: published.status.state,
      comment: published.comment.action,
      ...(autoMerge ? { autoMerge } : {}),
    };
  } catch (error) {
    const failure = toAppError(error);
    if (!failure.retryable || options.finalAttempt === true) {
      log.warn({ code: failure.code, reason: failure.message }, "preview failed");
      if (forge.checks)
        await failPreviewChecks(forge, job.repo, runs, failure.message).catch(() => undefined);
      else
        await forge
          .setStatus(job.repo, { ...status, ...previewError(failure.message) })
          .catch(() => undefined);
    }
    throw error;
  }
}

/** Apps removed from ferry.yaml since the job was queued are skipped, not an error. */
function configuredApps(job: PreviewJob, runtime: Runtime): AppConfig[] {
  const apps: AppConfig[] = [];
  for (const name of job.apps) {
    try {
      apps.push(runtime.app(name));
    } catch (error) {
      if (!isAppError(error, "NOT_FOUND")) throw error;
    }
  }
  return apps;
}

/** A newer head (or a closed change request) makes this job's result worthless. */
async function staleness(
  forge: Forge,
  job: PreviewJob,
): Promise<{ result: "superseded" | "closed"; newestHead: string } | undefined> {
  const current = await forge.getChangeRequest({ repo: job.repo, number: job.number });
  if (current.headSha !== job.headSha) return { result: "superseded", newestHead: current.headSha };
  if (current.state !== "open") return { result: "closed", newestHead: current.headSha };
  return undefined;
}

async function diffTouchedApps(
  runtime: Runtime,
  apps: AppConfig[],
  location: RepoLocation,
  headSha: string,
  baseSha: string,
  mode: {
    renderOnly: string | undefined;
    fallbackOnUnavailable: boolean;
    log: Logger;
    signal?: AbortSignal;
    /** Told which apps the change touches before any is rendered (check runs start then). */
    onTouched?: (apps: AppConfig[]) => Promise<void>;
  },
): Promise<{ diffs: AppDiff[]; annotations: Map<string, CheckAnnotation[]> }> {
  const changed = await runtime.git.changedPaths(location, baseSha, headSha);
  const { onTouched, ...diffMode } = mode;
  return withCheckouts(runtime.git, location, headSha, baseSha, async (checkouts) => {
    const touched = await touchedApps(apps, changed, { head: checkouts.head.dir, base: checkouts.base.dir });
    await onTouched?.(touched);
    const diffs: AppDiff[] = [];
    const annotations = new Map<string, CheckAnnotation[]>();
    for (const app of touched) {
      mode.signal?.throwIfAborted();
      const diff = await diffApp(
        {
          git: runtime.git,
          location,
          renderCache: runtime.renderCache,
          kubeFor: (app) => runtime.kubeFor(app),
          projectOf: (app) => runtime.projectOf(app),
          checkouts,
          ...diffMode,
        },
        app,
      );
      diffs.push(diff);
      // Annotations need the checkouts, which are gone once this returns.
      if (onTouched) annotations.set(app.name, await annotationsFor(app, diff, checkouts));
    }
    return { diffs, annotations };
  });
}

/** Both checkouts exist for the duration of `work` and are removed whatever happens. */
export async function withCheckouts<T>(
  git: GitService,
  location: RepoLocation,
  headSha: string,
  baseSha: string,
  work: (checkouts: { head: Checkout; base: Checkout }) => Promise<T>,
): Promise<T> {
  const head = await git.checkout(location, headSha);
  try {
    const base = await git.checkout(location, baseSha);
    try {
      return await work({ head, base });
    } finally {
      await base.cleanup();
    }
  } finally {
    await head.cleanup();
  }
}
