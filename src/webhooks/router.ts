// Routes a forge-neutral event to jobs for the configured apps. Pure: no I/O, so every rule
// here is unit-tested without Redis.
import type { AppConfig } from "../config/schema.ts";
import type { PreviewJob, SyncJob } from "../queue/types.ts";
import { pathTouched } from "./paths.ts";
import type { ChangeRequestEvent, CommentEvent, ForgeEvent, PushEvent } from "./types.ts";

export type PlannedJob = { queue: "sync"; data: SyncJob } | { queue: "preview"; data: PreviewJob };

export interface RoutePlan {
  jobs: PlannedJob[];
  /** Why nothing is enqueued; set exactly when `jobs` is empty. */
  ignored?: string;
}

const ignore = (reason: string): RoutePlan => ({ jobs: [], ignored: reason });
const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function appsOnRepo(event: ForgeEvent, apps: readonly AppConfig[]): AppConfig[] {
  return apps.filter((app) => app.forge === event.forge && same(app.repo, event.repo));
}

function routePush(event: PushEvent, apps: AppConfig[]): RoutePlan {
  if (event.deleted) return ignore(`branch "${event.branch}" was deleted`);
  const onBranch = apps.filter((app) => app.branch === event.branch);
  if (onBranch.length === 0) return ignore(`branch "${event.branch}" is not tracked`);
  const auto = onBranch.filter((app) => app.sync.auto);
  if (auto.length === 0) return ignore("auto-sync is off for every app on this branch");
  const { changedPaths } = event;
  const touched = changedPaths === null ? auto : auto.filter((app) => pathTouched(app.path, changedPaths));
  if (touched.length === 0) return ignore("the push changes no tracked app path");
  return {
    jobs: touched.map((app) => ({
      queue: "sync",
      data: {
        app: app.name,
        reason: "webhook",
        sha: event.after,
        deliveryId: event.deliveryId,
        ...(event.pusher ? { author: event.pusher } : {}),
      },
    })),
  };
}

type PreviewSource = Pick<
  ChangeRequestEvent,
  "number" | "headSha" | "headRef" | "baseRef" | "isFork" | "deliveryId"
> &
  Partial<Pick<ChangeRequestEvent, "baseSha" | "url">>;

function previewPlan(event: ForgeEvent, source: PreviewSource, apps: AppConfig[]): RoutePlan {
  const onBase = apps.filter((app) => app.branch === source.baseRef);
  const first = onBase[0];
  if (!first) return ignore(`base branch "${source.baseRef}" is not tracked`);
  const data: PreviewJob = {
    forge: event.forge,
    // The configured spelling, so one change request always maps to the same job ids.
    repo: first.repo,
    number: source.number,
    headSha: source.headSha,
    headRef: source.headRef,
    baseRef: source.baseRef,
    isFork: source.isFork,
    apps: onBase.map((app) => app.name),
    deliveryId: source.deliveryId,
    ...(source.baseSha ? { baseSha: source.baseSha } : {}),
    ...(source.url ? { url: source.url } : {}),
  };
  return { jobs: [{ queue: "preview", data }] };
}

function routeChangeRequest(event: ChangeRequestEvent, apps: AppConfig[]): RoutePlan {
  switch (event.action) {
    case "metadata":
      return ignore("merge request metadata changed, no new commits");
    case "closed":
      return ignore("change request closed without merge");
    case "merged":
      return ignore("change request merged: the push to the base branch deploys it");
    default:
      if (event.draft) return ignore("draft change request: no preview until it is marked ready for review");
      return previewPlan(event, event, apps);
  }
}

function routeComment(event: CommentEvent, apps: AppConfig[]): RoutePlan {
  const cr = event.changeRequest;
  if (event.command === "preview") {
    if (!cr)
      return ignore("/ferry preview needs the head commit, which this forge's comment event does not carry");
    return previewPlan(event, { ...cr, number: event.number, deliveryId: event.deliveryId }, apps);
  }
  if (event.command === "sync") {
    const targets = cr ? apps.filter((app) => app.branch === cr.baseRef) : apps;
    if (targets.length === 0) return ignore(`base branch "${cr?.baseRef ?? ""}" is not tracked`);
    return {
      jobs: targets.map((app) => ({
        queue: "sync",
        data: {
          app: app.name,
          reason: "manual",
          deliveryId: event.deliveryId,
          changeRequest: event.number,
          ...(event.author ? { author: event.author } : {}),
        },
      })),
    };
  }
  return ignore("comment has no /ferry command");
}

export function routeEvent(event: ForgeEvent, apps: readonly AppConfig[]): RoutePlan {
  if (event.kind === "ping") return ignore("ping");
  const tracked = appsOnRepo(event, apps);
  if (tracked.length === 0) return ignore(`repository "${event.repo}" is not tracked`);
  switch (event.kind) {
    case "push":
      return routePush(event, tracked);
    case "changeRequest":
      return routeChangeRequest(event, tracked);
    case "comment":
      return routeComment(event, tracked);
  }
}

/** Routes every event of one delivery; the first ignore reason explains an empty plan. */
export function routeEvents(events: readonly ForgeEvent[], apps: readonly AppConfig[]): RoutePlan {
  const plans = events.map((event) => routeEvent(event, apps));
  const jobs = plans.flatMap((plan) => plan.jobs);
  if (jobs.length > 0) return { jobs };
  return ignore(plans.find((plan) => plan.ignored)?.ignored ?? "no events");
}
