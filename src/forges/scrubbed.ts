// The forge as one job sees it: every text it sends (comment bodies, status descriptions,
// check run outputs, revert and image-update request titles and bodies) passes the job's Scrubber first (src/observability/scrub.ts),
// so no report path can forget it.
import type { Scrubber } from "../observability/scrub.ts";
import type { CheckRuns, Forge } from "./types.ts";

export function scrubbingForge(forge: Forge, scrub: Scrubber): Forge {
  const open = forge.openRevertRequest?.bind(forge);
  const upsertRequest = forge.upsertChangeRequest?.bind(forge);
  const closeRequest = forge.closeChangeRequest?.bind(forge);
  const mergeRequest = forge.mergeChangeRequest?.bind(forge);
  const checks = forge.checks;
  return {
    name: forge.name,
    type: forge.type,
    identity: () => forge.identity(),
    upsertComment: (target, key, body) => forge.upsertComment(target, key, scrub(body)),
    createComment: (target, body) => forge.createComment(target, scrub(body)),
    setStatus: (repo, status) => forge.setStatus(repo, { ...status, description: scrub(status.description) }),
    getChangeRequest: (target) => forge.getChangeRequest(target),
    findMergedChangeRequest: (repo, sha) => forge.findMergedChangeRequest(repo, sha),
    permissionOf: (repo, user) => forge.permissionOf(repo, user),
    acknowledge: (target, commentId) => forge.acknowledge(target, commentId),
    ...(forge.quotaOf ? { quotaOf: forge.quotaOf.bind(forge) } : {}),
    ...(forge.refreshQuota ? { refreshQuota: forge.refreshQuota.bind(forge) } : {}),
    ...(checks
      ? {
          checks: {
            start: (repo, run) => checks.start(repo, run),
            finish: (repo, id, result) =>
              checks.finish(repo, id, {
                ...result,
                title: scrub(result.title),
                summary: scrub(result.summary),
                annotations: result.annotations.map((a) => ({ ...a, message: scrub(a.message) })),
              }),
            note: (repo, id, output) =>
              checks.note(repo, id, { title: scrub(output.title), summary: scrub(output.summary) }),
          } satisfies CheckRuns,
        }
      : {}),
    ...(open
      ? {
          openRevertRequest: (repo: string, input: Parameters<NonNullable<Forge["openRevertRequest"]>>[1]) =>
            open(repo, { ...input, title: scrub(input.title), body: scrub(input.body) }),
        }
      : {}),
    ...(upsertRequest
      ? {
          upsertChangeRequest: (
            repo: string,
            input: Parameters<NonNullable<Forge["upsertChangeRequest"]>>[1],
          ) => upsertRequest(repo, { ...input, title: scrub(input.title), body: scrub(input.body) }),
        }
      : {}),
    ...(closeRequest
      ? {
          closeChangeRequest: (repo: string, head: string, comment: string) =>
            closeRequest(repo, head, scrub(comment)),
        }
      : {}),
    ...(mergeRequest ? { mergeChangeRequest: mergeRequest } : {}),
  };
}
