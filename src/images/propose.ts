// Writing an image update where people review it: for each app of the image policy, the marked
// lines of its render inputs at the tracked branch's head are set to the new tag, committed on
// the branch `ferry/images/<app>` (one per app, moved on each newer tag, never a second one) and
// proposed as ONE merge request into the tracked branch, which Ferry previews like any other.
// When the tracked branch already says the tag, the open request is closed: nothing to review.
// The preview of the request is queued here, as the forge's own "opened/updated" webhook would
// queue it (the same route, src/webhooks/router.ts; a webhook that also comes is the same job).
// Nothing here touches a cluster: the deploy happens when a person (or the forge's rules) merges.
import type { AppConfig, FerryConfig, ImageConfig } from "../config/schema.ts";
import { AppError, isAppError } from "../errors.ts";
import type { Forge } from "../forges/types.ts";
import type { GitService, RepoLocation } from "../git/types.ts";
import type { Logger } from "../observability/logger.ts";
import type { Enqueuer } from "../queue/enqueue.ts";
import { routeEvent } from "../webhooks/router.ts";
import { imageEdits, type LineChange } from "./markers.ts";
import type { ImagePushes } from "./pushes.ts";
import { imageTrailerLines } from "./trailers.ts";
import type { ImageProposal } from "./update.ts";

/** Who the commits are by: Ferry itself, named so that nobody mistakes them for a person's. */
export const IMAGE_COMMIT_AUTHOR = { name: "Ferry", email: "ferry@noreply.invalid" };

export interface ProposeDeps {
  config: Pick<FerryConfig, "apps" | "images">;
  git: Pick<GitService, "headOf" | "checkout" | "pushCommit">;
  location: (app: AppConfig) => RepoLocation;
  forgeOf: (app: AppConfig) => Forge;
  enqueuer: Pick<Enqueuer, "enqueuePreview">;
  /** Notes each commit pushed to an image branch: the only commits ever merged automatically. */
  pushes: Pick<ImagePushes, "record">;
  logger: Logger;
}

export type ProposeResult =
  | {
      app: string;
      result: "proposed";
      branch: string;
      commit: string;
      changeRequest: number;
      url: string;
      created: boolean;
    }
  | { app: string; result: "up-to-date"; closed?: number }
  | { app: string; result: "no-markers"; problems: string[] };

export function imageBranch(app: string): string {
  return `ferry/images/${app}`;
}

export async function proposeImageUpdate(
  deps: ProposeDeps,
  proposal: ImageProposal,
): Promise<ProposeResult[]> {
  const image = deps.config.images.find((candidate) => candidate.name === proposal.image);
  if (!image) throw new AppError("IMAGE_REFUSED", `no image "${proposal.image}" in ferry.yaml`);
  const results: ProposeResult[] = [];
  for (const name of image.apps) {
    const app = deps.config.apps.find((candidate) => candidate.name === name);
    if (!app) continue; // config loading refuses unknown apps; an app removed since is skipped
    results.push(await proposeForApp(deps, app, image, proposal));
  }
  return results;
}

async function proposeForApp(
  deps: ProposeDeps,
  app: AppConfig,
  image: ImageConfig,
  proposal: ImageProposal,
): Promise<ProposeResult> {
  const log = deps.logger.child({ app: app.name, image: image.name, tag: proposal.tag });
  const location = deps.location(app);
  const forge = deps.forgeOf(app);
  if (!deps.git.pushCommit || !forge.upsertChangeRequest || !forge.closeChangeRequest)
    throw new AppError("IMAGE_REFUSED", `forge ${forge.name} cannot open merge requests for image updates`);
  const branch = imageBranch(app.name);
  const base = await deps.git.headOf(location, app.branch);
  const checkout = await deps.git.checkout(location, base);
  let edits: Awaited<ReturnType<typeof imageEdits>>;
  try {
    edits = await imageEdits(checkout.dir, app, image, proposal.tag, proposal.digest);
  } finally {
    await checkout.cleanup();
  }
  for (const problem of edits.problems)
    log.warn({ file: problem.file, line: problem.line, reason: problem.reason }, "image marker not edited");
  if (edits.changes.length === 0) {
    if (edits.marked === 0 || edits.problems.length > 0)
      return {
        app: app.name,
        result: "no-markers",
        problems: edits.problems.map((p) => `${p.file}:${p.line}: ${p.reason}`),
      };
    // The tracked branch already runs this tag: a request still open for it has nothing to do.
    const closed = await forge.closeChangeRequest(
      app.repo,
      branch,
      `${app.branch} already has ${image.repository}:${proposal.tag}; closing.`,
    );
    log.info({ closed }, "image update: the tracked branch already has the tag");
    return { app: app.name, result: "up-to-date", ...(closed !== undefined ? { closed } : {}) };
  }
  const previous = await deps.git.headOf(location, branch).catch((error: unknown) => {
    if (isAppError(error, "GIT_REF_NOT_FOUND")) return undefined;
    throw error;
  });
  const commit = await deps.git.pushCommit(location, {
    base,
    branch,
    files: edits.texts,
    message: commitMessage(image, proposal, edits.changes),
    author: IMAGE_COMMIT_AUTHOR,
    expected: previous,
  });
  // The same change again (a poll or a redelivered notification of the tag already proposed)
  // leaves the branch where it was: nothing new to record, and the request's preview stands.
  const moved = commit !== previous;
  if (moved) await deps.pushes.record(app.name, { commit, image: image.name });
  const request = await forge.upsertChangeRequest(app.repo, {
    head: branch,
    base: app.branch,
    title: `${app.name}: ${image.repository} ${proposal.tag}`,
    body: requestBody(image.repository, proposal, edits.changes),
  });
  if (moved || request.created)
    await queuePreview(deps, app, { number: request.number, url: request.url, head: commit, base, branch });
  log.info(
    { commit, changeRequest: request.number, created: request.created },
    moved ? "image update pushed and proposed" : "image update: the branch already proposes it",
  );
  return {
    app: app.name,
    result: "proposed",
    branch,
    commit,
    changeRequest: request.number,
    url: request.url,
    created: request.created,
  };
}

/** The preview job of the request's new head, planned by the webhook router like any other. */
async function queuePreview(
  deps: ProposeDeps,
  app: AppConfig,
  request: { number: number; url: string; head: string; base: string; branch: string },
): Promise<void> {
  const plan = routeEvent(
    {
      kind: "changeRequest",
      action: "updated",
      forge: app.forge,
      repo: app.repo,
      deliveryId: `image/${request.head}`,
      number: request.number,
      headSha: request.head,
      baseSha: request.base,
      headRef: request.branch,
      baseRef: app.branch,
      isFork: false,
      draft: false,
      merged: false,
      url: request.url,
    },
    deps.config.apps,
  );
  for (const job of plan.jobs) if (job.queue === "preview") await deps.enqueuer.enqueuePreview(job.data);
}

/** For people: subject, image, digest, source and the lines changed; then the trailers for Ferry. */
function commitMessage(image: ImageConfig, proposal: ImageProposal, changes: readonly LineChange[]): string {
  const repository = image.repository;
  return [
    `images: ${repository} ${proposal.tag}`,
    "",
    `Image: ${repository}:${proposal.tag}`,
    `Digest: ${proposal.digest}`,
    ...(proposal.source?.url ? [`Source: ${proposal.source.url}`] : []),
    ...(proposal.source?.revision ? [`Source-Revision: ${proposal.source.revision}`] : []),
    "",
    ...changes.map((change) => `${change.file}:${change.line}: ${change.before} -> ${change.after}`),
    "",
    ...imageTrailerLines(image.name, repository, proposal),
    "",
  ].join("\n");
}

/** Markdown; every value in it is an OCI tag, a digest, a path of the repo or a checked https URL. */
function requestBody(repository: string, proposal: ImageProposal, changes: readonly LineChange[]): string {
  const source = proposal.source;
  const built =
    source?.url && source.revision
      ? `Built from [${source.revision.slice(0, 12)}](${source.url.replace(/\/$/, "")}/commit/${source.revision}) of ${source.url}.`
      : source?.url
        ? `Built from ${source.url}.`
        : "The image names no source (org.opencontainers.image.source).";
  return [
    `Ferry found a new image for this app: \`${repository}:${proposal.tag}\``,
    "",
    `- Digest: \`${proposal.digest}\``,
    `- ${built}`,
    "",
    "Lines changed:",
    "",
    ...changes.map(
      (change) => `- \`${change.file}\` line ${change.line}: \`${change.before}\` → \`${change.after}\``,
    ),
    "",
    "Ferry's preview of this change follows as a comment; merging deploys it.",
  ].join("\n");
}
