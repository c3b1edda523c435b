// One app's part of a preview: render the head and the base, then compare the head with the
// live cluster (server-side dry-run) or, for forks and unreachable clusters, with the base
// render. A render that fails is a finding about the change (shown, blocking), not a reason
// to retry; anything transient propagates so the job is retried.
import type { AppConfig } from "../config/schema.ts";
import {
  compareLive,
  compareRenders,
  renderFailure,
  type AppDiff,
  type AppRef,
  type DiffOptions,
} from "../diff/index.ts";
import { isAppError } from "../errors.ts";
import type { Checkout, GitService, RepoLocation } from "../git/types.ts";
import type { KubeClient, KubeObject } from "../kube/types.ts";
import { renderApp, type RenderCache, type RenderResult } from "../render/index.ts";
import { liveInventory, liveObjects } from "./live.ts";

export interface AppDiffContext {
  git: GitService;
  location: RepoLocation;
  renderCache: RenderCache;
  kube: (cluster: string) => KubeClient;
  checkouts: { head: Checkout; base: Checkout };
  /** Forks get render-only previews: their head is not trusted with the cluster's admission. */
  renderOnly: string | undefined;
  /** Fall back to a render-only preview when the cluster is unreachable (else rethrow: retry). */
  fallbackOnUnavailable: boolean;
  signal?: AbortSignal;
}

type Rendered = { ok: true; result: RenderResult } | { ok: false; message: string };

async function render(ctx: AppDiffContext, app: AppConfig, checkout: Checkout): Promise<Rendered> {
  try {
    const result = await renderApp({
      checkoutDir: checkout.dir,
      app,
      git: { service: ctx.git, location: ctx.location, sha: checkout.sha },
      cache: ctx.renderCache,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
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
  if (ctx.renderOnly !== undefined) {
    return compareRenders(
      { ...ref, base, head: head.result.objects, notes: [ctx.renderOnly, ...notes] },
      options,
    );
  }
  try {
    return await liveDiff(ctx, app, ref, head.result.objects, base, notes, options);
  } catch (error) {
    if (!ctx.fallbackOnUnavailable || !isAppError(error, "KUBE_UNAVAILABLE")) throw error;
    const note = `Cluster ${app.destination.cluster} is unreachable (${error.message}).`;
    return compareRenders({ ...ref, base, head: head.result.objects, notes: [note, ...notes] }, options);
  }
}

async function liveDiff(
  ctx: AppDiffContext,
  app: AppConfig,
  ref: AppRef,
  head: KubeObject[],
  base: KubeObject[],
  notes: string[],
  options: DiffOptions,
): Promise<AppDiff> {
  const kube = ctx.kube(app.destination.cluster);
  if (!(await namespaceExists(kube, app.destination.namespace))) {
    // Namespaced objects cannot be dry-run into a namespace that does not exist yet.
    const note = `Namespace ${app.destination.namespace} does not exist yet${app.destination.createNamespace ? " (the deploy creates it)" : ""}.`;
    return compareRenders({ ...ref, base, head, notes: [note, ...notes] }, options);
  }
  const objects = await liveObjects(kube, head, base, ctx.signal);
  const inventory = await liveInventory(kube, app, [...head, ...base]);
  return compareLive({ ...ref, objects, inventory, notes }, options);
}

async function namespaceExists(kube: KubeClient, name: string): Promise<boolean> {
  try {
    return (await kube.get({ apiVersion: "v1", kind: "Namespace", name })) !== undefined;
  } catch (error) {
    // Namespaced RBAC may forbid reading Namespaces: then the dry-runs tell.
    if (isAppError(error, "KUBE_REJECTED")) return true;
    throw error;
  }
}
