// Merging an image update without a person (images[].autoMerge). The preview pipeline
// (src/preview/pipeline.ts) hands over every preview it posted; when it is the preview of
// Ferry's own image update and it is green, the change request is merged through the forge API,
// pinned to the previewed commit. The deploy then comes from the forge's push webhook, as for
// any merge. Anything else — another change request, a preview that is not green, a policy
// without autoMerge — ends here without a forge call that writes.
//
// "Ferry's own image update" is checked against what the forge and Ferry's records say now,
// never against the webhook that queued the preview:
//  - its source branch is ferry/images/<app> of an app of this repository, its target the app's
//    tracked branch, and it is not from a fork;
//  - Ferry's own account opened it (Forge.identity): a person's request from that branch is theirs;
//  - the previewed head is the very commit Ferry pushed to the branch (src/images/pushes.ts). A
//    git author line is whatever the pusher typed, so it proves nothing; a commit someone pushed
//    on top of Ferry's is never merged unreviewed, whatever its author says;
//  - the image policy that pushed it says autoMerge: true.
// The forge's own rules decide last (branch protection, required checks, merge checks, a head
// that moved after the preview): a refusal is logged, explained once in a comment, and the
// request stays open. Nothing here retries: the next preview of the request (a newer image)
// asks again.
import type { AppConfig, FerryConfig } from "../config/schema.ts";
import type { AppDiff } from "../diff/types.ts";
import { toAppError } from "../errors.ts";
import type { ChangeRequestInfo, ChangeRequestRef, Forge } from "../forges/types.ts";
import type { Logger } from "../observability/logger.ts";
import { outcome, type Outcome } from "../outcome.ts";
import { changeRequestKey, isChangeRequestOf } from "../queue/job-ids.ts";
import type { PreviewJob } from "../queue/types.ts";
import { inlineCode } from "../report/markdown.ts";
import { imageBranch } from "./propose.ts";
import type { ImagePushes } from "./pushes.ts";

export type AutoMergeOutcome = Outcome<
  "AutoMerged" | "AutoMergeOff" | "PreviewNotGreen" | "NotFerrysUpdate" | "MergeRefused"
>;

export interface AutoMergeDeps {
  config: Pick<FerryConfig, "apps" | "images">;
  pushes: Pick<ImagePushes, "last">;
  logger: Logger;
}

/** What the posted preview found: its overall state and each touched app's diff. */
export interface PreviewFindings {
  state: string;
  apps: readonly Pick<AppDiff, "app" | "mode" | "error" | "counts">[];
}

/** The key of the one comment that says why Ferry did not merge (edited, never repeated). */
export const AUTO_MERGE_COMMENT_KEY = "auto-merge";

const IMAGE_BRANCH_PREFIX = imageBranch("");

/**
 * Merges the change request of `job` when it is Ferry's own green image update of a policy
 * with autoMerge; undefined when its branch is no image branch at all. Never throws: whatever
 * goes wrong is the outcome (and a log line), so the preview job it follows stays done.
 */
export async function autoMergeImageUpdate(
  deps: AutoMergeDeps,
  forge: Forge,
  job: PreviewJob,
  preview: PreviewFindings,
): Promise<AutoMergeOutcome | undefined> {
  if (!job.headRef.startsWith(IMAGE_BRANCH_PREFIX)) return undefined;
  const log = deps.logger.child({
    autoMerge: `${job.forge}/${job.repo}!${job.number}`,
    branch: job.headRef,
    head: job.headSha,
  });
  let decided: AutoMergeOutcome;
  try {
    decided = await decide(deps, forge, job, preview);
  } catch (error) {
    decided = outcome("MergeRefused", `could not check the request: ${toAppError(error).message}`);
  }
  if (decided.reason === "AutoMerged") log.info({ reason: decided.reason }, decided.message);
  else if (decided.result === "failed")
    log.warn({ reason: decided.reason }, `image update not merged automatically: ${decided.message}`);
  else log.info({ reason: decided.reason }, `image update left for a person: ${decided.message}`);
  return decided;
}

async function decide(
  deps: AutoMergeDeps,
  forge: Forge,
  job: PreviewJob,
  preview: PreviewFindings,
): Promise<AutoMergeOutcome> {
  const app = imageAppOf(deps.config.apps, job);
  if (!app) return outcome("NotFerrysUpdate", `${job.headRef} is the image branch of no app of ${job.repo}`);
  const policies = deps.config.images.filter((image) => image.apps.includes(app.name));
  if (!policies.some((image) => image.autoMerge))
    return outcome("AutoMergeOff", `no image policy of ${app.name} has autoMerge: true`);
  const notGreen = whyNotGreen(app, preview);
  if (notGreen) return outcome("PreviewNotGreen", notGreen);

  const pushed = await deps.pushes.last(app.name);
  if (pushed?.commit !== job.headSha)
    return outcome(
      "NotFerrysUpdate",
      `the head ${job.headSha.slice(0, 12)} is not the commit Ferry pushed to ${job.headRef}`,
    );
  const policy = policies.find((image) => image.name === pushed.image);
  if (!policy?.autoMerge)
    return outcome("AutoMergeOff", `image policy ${pushed.image} does not have autoMerge: true`);

  const target: ChangeRequestRef = { repo: job.repo, number: job.number };
  const request = await forge.getChangeRequest(target);
  const foreign = whyNotFerrys(request, app, job.headSha, await forge.identity());
  if (foreign) return outcome("NotFerrysUpdate", foreign);
  if (!forge.mergeChangeRequest)
    return outcome("MergeRefused", `forge ${forge.name} cannot merge change requests`);

  try {
    const merged = await forge.mergeChangeRequest(target, job.headSha);
    return outcome(
      "AutoMerged",
      `merged automatically at ${job.headSha.slice(0, 12)} (image policy ${policy.name})` +
        (merged.mergeCommit ? `, merge commit ${merged.mergeCommit.slice(0, 12)}` : ""),
    );
  } catch (error) {
    const reason = toAppError(error).message;
    await explainRefusal(forge, target, job.headSha, reason);
    return outcome("MergeRefused", reason);
  }
}

/** The app whose image branch the request comes from, on this forge and repository. */
function imageAppOf(apps: readonly AppConfig[], job: PreviewJob): AppConfig | undefined {
  const key = changeRequestKey(job.forge, job.repo, job.number);
  return apps.find((app) => imageBranch(app.name) === job.headRef && isChangeRequestOf(key, app));
}

function whyNotGreen(app: AppConfig, preview: PreviewFindings): string | undefined {
  if (preview.state !== "success") return `the preview is ${preview.state}`;
  const own = preview.apps.find((diff) => diff.app === app.name);
  if (!own) return `the preview does not show ${app.name}`;
  const blocked = preview.apps.find((diff) => diff.error !== undefined || diff.counts.errors > 0);
  if (blocked) return `the preview of ${blocked.app} has blocking errors`;
  const unchecked = preview.apps.find((diff) => diff.mode !== "live");
  if (unchecked) return `${unchecked.app} was not dry-run against its cluster`;
  return undefined;
}

function whyNotFerrys(
  request: ChangeRequestInfo,
  app: AppConfig,
  head: string,
  self: string,
): string | undefined {
  if (request.state !== "open") return `the request is ${request.state}`;
  if (request.headSha !== head) return `the request's head moved to ${request.headSha.slice(0, 12)}`;
  if (request.headRef !== imageBranch(app.name)) return `the request comes from ${request.headRef ?? "?"}`;
  if (request.baseRef !== app.branch)
    return `the request targets ${request.baseRef ?? "?"}, not ${app.branch}`;
  if (request.isFork === true) return "the request comes from a fork";
  if (request.author?.toLowerCase() !== self.toLowerCase())
    return `the request was opened by ${request.author ?? "someone unknown"}, not by Ferry (${self})`;
  return undefined;
}

/** One comment per request, edited in place: a refusal seen again does not add another. */
async function explainRefusal(
  forge: Forge,
  target: ChangeRequestRef,
  head: string,
  reason: string,
): Promise<void> {
  const body = [
    `Ferry did not merge this image update automatically at ${inlineCode(head.slice(0, 12))}: the forge refused.`,
    "",
    inlineCode(reason),
    "",
    "It stays open for a person to merge; Ferry does not try again until a newer image updates it.",
  ].join("\n");
  await forge.upsertComment(target, AUTO_MERGE_COMMENT_KEY, body).catch(() => undefined);
}
