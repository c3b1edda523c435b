// What a deploy tells people: the commit status `ferry/deploy/<app>` on the deployed revision
// (pending → success/failure) and one note on the merged change request. Feedback never
// decides the deploy: once the cluster changed, a forge that is down is logged, not retried,
// because retrying the job would only deploy the same revision again to post a comment.
import type { AppConfig } from "../config/schema.ts";
import type { CheckAction, CheckAnnotation, CheckConclusion, Forge } from "../forges/types.ts";
import type { Logger } from "../observability/logger.ts";
import {
  deployComment,
  deployContext,
  deployFailed,
  deployFailedComment,
  deployPending,
  deployRolledBack,
  deploySucceeded,
  rollbackComment,
  type StatusText,
} from "../report/index.ts";
import type { SyncOutcome } from "../sync/types.ts";

export interface FeedbackTarget {
  forge: Forge;
  app: AppConfig;
  revision: string;
  /** The change request the trigger named, when it was about this very revision. */
  changeRequest?: number;
  logger: Logger;
  /** The `ferry deploy: <app>` check run, when the forge reports through check runs. */
  checkRun?: number;
}

export function deployCheckName(app: string): string {
  return `ferry deploy: ${app}`;
}

export function deployExternalId(app: string): string {
  return `deploy:${app}`;
}

/** The button on a failed or held-back deploy; it runs a sync like `/ferry sync`. */
export const SYNC_NOW: CheckAction = {
  label: "Sync now",
  description: "Deploy the branch head again",
  identifier: "sync",
};

/** "rolled back to abc1234: <why>" → "<why>": the comment says where it rolled back to itself. */
function failureText(outcome: SyncOutcome): string {
  return (outcome.message ?? outcome.reason).replace(/^rolled back to \S+: /, "");
}

/**
 * Feedback posted in order without holding up the deploy: a forge spaces its writes (GitHub:
 * one a second), so awaiting the pending status could cost the deploy a second. Each post
 * starts after the previous one ended (pending before the final word, the check run created
 * before it is completed); a failure is logged, never thrown, and `drained()` waits for all of
 * them, so the job ends only once its feedback is out.
 */
export interface FeedbackQueue {
  post(report: () => Promise<void>): void;
  drained(): Promise<void>;
}

export function feedbackQueue(logger: Logger): FeedbackQueue {
  let tail: Promise<void> = Promise.resolve();
  return {
    post(report) {
      tail = tail.then(() => quietly(logger, "deploy feedback not posted", report));
    },
    drained: () => tail,
  };
}

async function quietly(logger: Logger, what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    logger.warn({ reason: error instanceof Error ? error.message : String(error) }, what);
  }
}

/** Pending status, or with check runs an in_progress `ferry deploy: <app>` run. */
export async function reportPending(target: FeedbackTarget): Promise<void> {
  const { forge, app, revision } = target;
  const checks = forge.checks;
  if (!checks) return setStatus(target, deployPending(app.name, revision));
  await quietly(target.logger, "deploy check run not created", async () => {
    target.checkRun = await checks.start(app.repo, {
      name: deployCheckName(app.name),
      headSha: revision,
      externalId: deployExternalId(app.name),
    });
  });
}

interface Settled {
  conclusion: CheckConclusion;
  /** The markdown also posted as the change request's note. */
  summary: string;
  /** Where the refused and applied objects are defined (src/deploy/annotations.ts). */
  annotations?: CheckAnnotation[];
}

/** The final word: a status, or the completion of the deploy's check run (never both). */
async function setStatus(target: FeedbackTarget, text: StatusText, settled?: Settled): Promise<void> {
  const { forge, app, revision } = target;
  const checks = forge.checks;
  if (checks && settled) {
    const id = target.checkRun;
    if (id === undefined) return; // its creation failed and was logged
    await quietly(target.logger, "deploy check run not completed", () =>
      checks.finish(app.repo, id, {
        conclusion: settled.conclusion,
        title: text.description,
        summary: settled.summary,
        annotations: settled.annotations ?? [],
        ...(settled.conclusion === "success" || settled.conclusion === "neutral"
          ? {}
          : { actions: [SYNC_NOW] }),
      }),
    );
    return;
  }
  await quietly(target.logger, "deploy status not set", () =>
    forge.setStatus(app.repo, { sha: revision, context: deployContext(app.name), ...text }),
  );
}

/**
 * A webhook brought a revision that was rolled back before: it waits for a newer commit. With
 * check runs that is said as `action_required` with the "Sync now" button.
 */
export async function reportHeldBack(target: FeedbackTarget, reason: string): Promise<void> {
  if (!target.forge.checks) return;
  await reportPending(target);
  await setStatus(
    target,
    {
      state: "failure",
      description: `${target.app.name} at ${target.revision.slice(0, 7)} is held back: ${reason}`,
    },
    {
      conclusion: "action_required",
      summary: `This revision of **${target.app.name}** was rolled back before and is not deployed automatically (${reason}). Press **Sync now** to deploy it anyway.\n`,
    },
  );
}

async function comment(target: FeedbackTarget, body: string): Promise<void> {
  const { forge, app, revision, logger } = target;
  await quietly(logger, "deploy comment not posted", async () => {
    const number = target.changeRequest ?? (await forge.findMergedChangeRequest(app.repo, revision));
    if (number === undefined) {
      logger.info("no merged change request for the revision; no comment");
      return;
    }
    await forge.createComment({ repo: app.repo, number }, body);
  });
}

/** A render (or other permanent pre-sync) failure: nothing in the cluster changed. */
export async function reportFailure(target: FeedbackTarget, message: string): Promise<void> {
  const { app, revision } = target;
  const body = deployFailedComment({
    app: app.name,
    cluster: app.destination.cluster,
    sha: revision,
    message,
  });
  await setStatus(target, deployFailed(app.name, message), { conclusion: "failure", summary: body });
  await comment(target, body);
}

/** `annotations` go with the check run, when the forge reports through one. */
export async function reportOutcome(
  target: FeedbackTarget,
  outcome: SyncOutcome,
  annotations: CheckAnnotation[] = [],
): Promise<void> {
  const { app, revision } = target;
  const cluster = app.destination.cluster;
  // Held back: the pipeline checks that before the engine runs, and says it (reportHeldBack).
  if (outcome.reason === "HeldBack") return;
  if (outcome.reason === "Deployed") {
    const changed = outcome.applied.length + outcome.pruned.length;
    const body = deployComment({
      app: app.name,
      cluster,
      sha: revision,
      durationMs: outcome.durationMs,
      changed,
      health: outcome.health.status,
    });
    await setStatus(target, deploySucceeded(app.name, changed, outcome.health.status), {
      conclusion: changed > 0 ? "success" : "neutral",
      summary: body,
      annotations,
    });
    await comment(target, body);
    return;
  }
  const message = failureText(outcome);
  if (outcome.reason === "RolledBack" && outcome.rolledBackTo !== undefined) {
    const body = rollbackComment({
      app: app.name,
      cluster,
      fromSha: revision,
      toSha: outcome.rolledBackTo,
      message,
    });
    await setStatus(target, deployRolledBack(app.name, outcome.rolledBackTo, message), {
      conclusion: "failure",
      summary: body,
      annotations,
    });
    const revert = await openRevert(target, outcome.rolledBackTo, message);
    await comment(
      target,
      revert === undefined ? body : `${body}A revert was opened so Git matches the cluster: ${revert}\n`,
    );
    return;
  }
  const body = deployFailedComment({ app: app.name, cluster, sha: revision, message });
  await setStatus(target, deployFailed(app.name, message), {
    conclusion: "failure",
    summary: body,
    annotations,
  });
  await comment(target, body);
}

/** `sync.openRevert`: keep Git the truth by proposing the revert of the bad commit. */
async function openRevert(
  target: FeedbackTarget,
  toSha: string,
  message: string,
): Promise<string | undefined> {
  const { forge, app, revision, logger } = target;
  if (!app.sync.openRevert) return undefined;
  if (!forge.openRevertRequest) {
    logger.info({ forge: forge.type }, "forge cannot open revert requests; skipped");
    return undefined;
  }
  const open = forge.openRevertRequest.bind(forge);
  let url: string | undefined;
  await quietly(logger, "revert request not opened", async () => {
    url = await open(app.repo, {
      branch: app.branch,
      sha: revision,
      title: `Revert ${revision.slice(0, 7)}: ${app.name} did not become healthy`,
      body: `Ferry rolled ${app.name} back to ${toSha.slice(0, 7)}: ${message}\n\nMerging this makes Git match the cluster again.`,
    });
  });
  return url;
}
