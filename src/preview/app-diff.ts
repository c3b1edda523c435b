// One app's part of a preview: render the head and the base, then compare the head with the
// live cluster (server-side dry-run) or, for forks and unreachable clusters, with the base
// render. A render that fails is a finding about the change (shown, blocking), not a reason
// to retry; anything transient propagates so the job is retried.
import type { AppConfig } from "../config/schema.ts";
import { compareRenders, renderFailure, type AppDiff, type AppRef, type DiffOptions } from "../diff/index.ts";
import { isAppError } from "../errors.ts";
import type { Checkout, GitService, RepoLocation } from "../git/types.ts";
import type { KubeClient } from "../kube/types.ts";
import type { Logger } from "../observability/logger.ts";
import { renderApp, type RenderCache, type RenderResult } from "../render/index.ts";
import { refusals, refusedNote, violationsOf } from "../policy/check.ts";
import type { Project } from "../policy/project.ts";
import { clusterDiff } from "./cluster-diff.ts";

export interface AppDiffContext {
  git: GitService;
  location: RepoLocation;
  renderCache: RenderCache;
  /** The app's client (Runtime.kubeFor: as its project's ServiceAccount) and project. */
  kubeFor: (app: AppConfig) => KubeClient;
  projectOf: (app: AppConfig) => Project;
  checkouts: { head: Checkout; base: Checkout };
  /** Forks get render-only previews: their head is not trusted with the cluster's admission. */
  renderOnly: string | undefined;
  /** Fall back to a render-only preview when the cluster is unreachable (else rethrow: retry). */
  fallbackOnUnavailable: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

type Rendered = { ok: true; result: RenderResult } | { ok: false; message: string };

async function render(ctx: AppDiffContext, app: AppConfig, checkout: Checkout): Promise<Rendered> {
  try {
    const result = await renderApp({
      checkoutDir: checkout.dir,
      app,
      git: { service: ctx.git, location: ctx.location, sha: checkout.sha },
      cache: ctx.renderCache,
      ...signalOf(ctx),
    });
    return { ok: true, result };
  } catch (error) {
    // Permanent failures (bad manifests, a chart that does not build, a path escape) belong
    // to the change; transient ones (git, Redis, cancellation) make the job retry.
    if (isAppError(error) && !error.retryable) return { ok: false, message: error.message };
    throw error;
  }
}

export async function diffApp(ctx: AppDiffContext, app: AppConfig): Promise<AppDiff> {
  const ref: AppRef = {
    app: app.name,
    cluster: app.destination.cluster,
    namespace: app.destination.namespace,
    sourceType: "unknown",
  };
  const options: DiffOptions = { ignoreDifferences: app.ignoreDifferences };
  const head = await render(ctx, app, ctx.checkouts.head);
  const mode = ctx.renderOnly === undefined ? "live" : "render";
  if (!head.ok) return renderFailure({ ...ref, mode, failure: { message: head.message } });
  ref.sourceType = head.result.sourceType;
  const baseRendered = await render(ctx, app, ctx.checkouts.base);
  // A base that does not render (a new app, or one broken before this change) compares as empty.
  const base = baseRendered.ok ? baseRendered.result.objects : [];
  const notes = baseRendered.ok ? [] : ["The base commit does not render; compared with nothing."];
  const project = ctx.projectOf(app);
  // Without the cluster, the project's verdict still shows (scopes from the render alone).
  const renderOnly = async (note: string) => {
    const violations = await violationsOf(project, app, head.result.objects);
    const refused = violations.length > 0 ? [refusedNote(project, violations)] : [];
    return compareRenders(
      {
        ...ref,
        base,
        head: head.result.objects,
        refused: refusals(violations),
        notes: [note, ...refused, ...notes],
      },
      options,
    );
  };
  if (ctx.renderOnly !== undefined) return renderOnly(ctx.renderOnly);
  try {
    const kube = ctx.kubeFor(app);
    return await clusterDiff({
      kube,
      app,
      project,
      ref,
      head: head.result.objects,
      base,
      notes,
      ...signalOf(ctx),
    });
  } catch (error) {
    if (!ctx.fallbackOnUnavailable || !isAppError(error, "KUBE_UNAVAILABLE")) throw error;
    // The error's text names the API server's address: it stays in the logs, not on the MR.
    ctx.log?.warn({ app: app.name, reason: error.message }, "cluster unreachable, render-only preview");
    return renderOnly(`Cluster ${app.destination.cluster} could not be reached, so it was not dry-run.`);
  }
}

function signalOf(ctx: AppDiffContext): { signal?: AbortSignal } {
  return ctx.signal ? { signal: ctx.signal } : {};
}
