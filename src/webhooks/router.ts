// Routes a forge-neutral event to jobs for the configured apps. Pure: no I/O, so every rule
// here is unit-tested without Redis.
import type { AppConfig } from "../config/schema.ts";
import type { CommandJob, ImageJob, PreviewJob, SyncJob } from "../queue/types.ts";
import type {
  ChangeRequestEvent,
  CheckActionEvent,
  CommentEvent,
  ForgeEvent,
  PushEvent,
  RerunEvent,
} from "./types.ts";

export type PlannedJob =
  | { queue: "sync"; data: SyncJob }
  | { queue: "preview"; data: PreviewJob }
  | { queue: "command"; data: CommandJob }
  | { queue: "image"; data: ImageJob };

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
  // Every app on the branch gets a sync job: which of them the commit changes is decided by the
  // sync worker from the real render inputs (src/deploy/affected.ts), which a receiver without
  // a checkout cannot see (a shared kustomize base, a value file outside the app's path).
  return {
    jobs: auto.map((app) => ({
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

/** What a preview needs of a change request: from its own event, or from a check re-run. */
type PreviewSource = Pick<
  ChangeRequestEvent,
  "forge" | "number" | "headSha" | "headRef" | "baseRef" | "isFork" | "deliveryId"
> &
  Partial<Pick<ChangeRequestEvent, "baseSha" | "url">>;

function previewPlan(event: PreviewSource, apps: AppConfig[]): RoutePlan {
  const onBase = apps.filter((app) => app.branch === event.baseRef);
  const first = onBase[0];
  if (!first) return ignore(`base branch "${event.baseRef}" is not tracked`);
  const data: PreviewJob = {
    forge: event.forge,
    // The configured spelling, so one change request always maps to the same job ids.
    repo: first.repo,
    number: event.number,
    headSha: event.headSha,
    headRef: event.headRef,
    baseRef: event.baseRef,
    isFork: event.isFork,
    apps: onBase.map((app) => app.name),
    deliveryId: event.deliveryId,
    ...(event.baseSha ? { baseSha: event.baseSha } : {}),
    ...(event.url ? { url: event.url } : {}),
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
      return previewPlan(event, apps);
  }
}

/**
 * A command becomes one job for the command worker, which holds the forge token the receiver
 * lacks: it checks the commenter's permission, reads the change request, and picks the apps.
 */
function routeComment(event: CommentEvent, apps: AppConfig[]): RoutePlan {
  const [first] = apps;
  if (!first) return ignore(`repository "${event.repo}" is not tracked`);
  if (!event.author) return ignore("the comment names no author whose permission could be checked");
  const data: CommandJob = {
    forge: event.forge,
    repo: first.repo,
    number: event.number,
    command: event.command,
    force: event.force,
    commentId: event.commentId,
    author: { login: event.author, ...(event.authorId !== undefined ? { id: event.authorId } : {}) },
    deliveryId: event.deliveryId,
  };
  return { jobs: [{ queue: "command", data }] };
}

/** "Sync now" on a deploy check: a command job, so the worker checks who pressed it. */
function routeCheckAction(event: CheckActionEvent, apps: AppConfig[]): RoutePlan {
  const app = apps.find((candidate) => candidate.name === event.app);
  if (!app) return ignore(`app "${event.app}" is not tracked on this repository`);
  if (!event.author) return ignore("the button press names no user whose permission could be checked");
  const data: CommandJob = {
    source: "checkAction",
    forge: event.forge,
    repo: app.repo,
    command: event.action,
    app: app.name,
    checkRunId: event.checkRunId,
    force: event.conclusion === "action_required",
    author: { login: event.author, ...(event.authorId !== undefined ? { id: event.authorId } : {}) },
    deliveryId: event.deliveryId,
  };
  return { jobs: [{ queue: "command", data }] };
}

/**
 * Re-run of a check run: the preview of the same head again, or the deploy of the same commit
 * with the rules of a push (an already healthy or rolled-back revision is not applied again).
 */
function routeRerun(event: RerunEvent, apps: AppConfig[]): RoutePlan {
  const { target } = event;
  if (target.type === "deploy") {
    const app = apps.find((candidate) => candidate.name === target.app);
    if (!app) return ignore(`app "${target.app}" is not tracked on this repository`);
    return {
      jobs: [
        {
          queue: "sync",
          data: { app: app.name, reason: "webhook", sha: target.sha, deliveryId: event.deliveryId },
        },
      ],
    };
  }
  const sources = target.changeRequests.map((cr) => ({
    ...cr,
    forge: event.forge,
    isFork: false,
    deliveryId: event.deliveryId,
  }));
  const plans = sources.map((source) => previewPlan(source, apps));
  const jobs = plans.flatMap((plan) => plan.jobs);
  return jobs.length > 0 ? { jobs } : ignore(plans[0]?.ignored ?? "the check is not on a pull request");
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
    case "rerun":
      return routeRerun(event, tracked);
    case "checkAction":
      return routeCheckAction(event, tracked);
  }
}

/** Routes every event of one delivery; the first ignore reason explains an empty plan. */
export function routeEvents(events: readonly ForgeEvent[], apps: readonly AppConfig[]): RoutePlan {
  const plans = events.map((event) => routeEvent(event, apps));
  // Nearly every delivery carries one event: its plan as it is, without flatMap's copy.
  const jobs = plans.length === 1 ? (plans[0]?.jobs ?? []) : plans.flatMap((plan) => plan.jobs);
  if (jobs.length > 0) return { jobs };
  return ignore(plans.find((plan) => plan.ignored)?.ignored ?? "no events");
}
