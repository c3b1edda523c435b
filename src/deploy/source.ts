// The deploy's inputs from Git: which revision (resolved when the job runs, so an old event can
// never roll the cluster back), and its rendered objects. The checkout is always removed.
import type { AppConfig } from "../config/schema.ts";
import { isAppError, type AppError } from "../errors.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../observability/logger.ts";
import type { SyncJob } from "../queue/types.ts";
import { renderApp } from "../render/index.ts";
import type { Runtime } from "../runtime/context.ts";

export type DeployRuntime = Pick<Runtime, "git" | "location" | "renderCache">;

/** A pinned revision wins (ferry sync --revision); otherwise the branch head right now. */
export async function resolveRevision(runtime: DeployRuntime, app: AppConfig, job: SyncJob): Promise<string> {
  if (job.revision !== undefined) return job.revision;
  return runtime.git.headOf(runtime.location(app), app.branch);
}

export type Rendered = { ok: true; objects: KubeObject[] } | { ok: false; error: AppError };

/**
 * Permanent render failures (bad manifests, a chart that does not build, a path escape) are
 * findings about the commit: returned, not thrown. Transient ones (git, Redis) propagate so the
 * job is retried.
 */
export async function renderRevision(
  runtime: DeployRuntime,
  app: AppConfig,
  revision: string,
  signal?: AbortSignal,
): Promise<Rendered> {
  const location = runtime.location(app);
  const checkout = await runtime.git.checkout(location, revision);
  try {
    const result = await renderApp({
      checkoutDir: checkout.dir,
      app,
      git: { service: runtime.git, location, sha: checkout.sha },
      cache: runtime.renderCache,
      ...(signal ? { signal } : {}),
    });
    return { ok: true, objects: result.objects };
  } catch (error) {
    signal?.throwIfAborted();
    if (isAppError(error) && !error.retryable && error.code !== "GIT_FAILED") return { ok: false, error };
    throw error;
  } finally {
    await checkout.cleanup();
  }
}

/**
 * The objects of an earlier revision, rendered from Git again: the rollback's way back when the
 * stored manifests were refused. Only a commit on the app's branch (an ancestor of its head) is
 * rendered, since the revision itself was read from Redis: anything else, or a render that
 * fails, gives undefined and no rollback.
 */
export async function renderBranchRevision(
  runtime: DeployRuntime,
  app: AppConfig,
  revision: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<KubeObject[] | undefined> {
  try {
    const location = runtime.location(app);
    const head = await runtime.git.headOf(location, app.branch);
    const onBranch =
      head === revision || (await runtime.git.mergeBase?.(location, head, revision)) === revision;
    if (!onBranch) {
      logger.warn({ claimed: revision }, "rollback target is not on the app's branch; not rendering it");
      return undefined;
    }
    const rendered = await renderRevision(runtime, app, revision, signal);
    if (rendered.ok) return rendered.objects;
    logger.warn(
      { code: rendered.error.code, reason: rendered.error.message },
      "rollback target did not render",
    );
  } catch (error) {
    signal?.throwIfAborted();
    logger.warn(
      { reason: error instanceof Error ? error.message : String(error) },
      "rollback target did not render",
    );
  }
  return undefined;
}
