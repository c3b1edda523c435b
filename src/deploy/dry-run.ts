// `ferry sync --dry-run`: what a deploy would do, without doing it. The plan (stages in the
// order the engine applies them) and the server-side dry-run diff against the live cluster,
// the same comparison previews use. Nothing is applied, recorded or reported.
import type { AppConfig } from "../config/schema.ts";
import type { AppDiff } from "../diff/index.ts";
import { AppError } from "../errors.ts";
import { objectKey } from "../kube/types.ts";
import { clusterDiff } from "../preview/cluster-diff.ts";
import type { Runtime } from "../runtime/context.ts";
import { discoverScopes } from "../sync/scope.ts";
import { planSync } from "../sync/plan.ts";
import { renderRevision } from "./source.ts";

export interface DryRunResult {
  app: string;
  revision: string;
  stages: { name: string; objects: string[] }[];
  dropped: { key: string; reason: string }[];
  diff: AppDiff;
}

export async function dryRunDeploy(
  runtime: Pick<Runtime, "git" | "location" | "renderCache" | "kubeFor" | "projectOf">,
  app: AppConfig,
  revision: string,
  signal?: AbortSignal,
): Promise<DryRunResult> {
  const rendered = await renderRevision(runtime, app, revision, signal);
  if (!rendered.ok) throw rendered.error;
  const kube = runtime.kubeFor(app);
  const plan = planSync({
    app: app.name,
    objects: rendered.objects,
    destination: app.destination,
    scopeOf: await discoverScopes(kube, rendered.objects),
  });
  const ref = {
    app: app.name,
    cluster: app.destination.cluster,
    namespace: app.destination.namespace,
    sourceType: "unknown" as const,
  };
  const diff = await clusterDiff({
    kube,
    app,
    project: runtime.projectOf(app),
    ref,
    head: rendered.objects,
    base: [],
    notes: [],
    ...(signal ? { signal } : {}),
  });
  if (diff.error) throw new AppError("SYNC_FAILED", diff.error.message);
  return {
    app: app.name,
    revision,
    stages: plan.stages.map((stage) => ({
      name: stage.name,
      objects: stage.objects.map((planned) => objectKey(planned.object)),
    })),
    dropped: plan.dropped,
    diff,
  };
}
