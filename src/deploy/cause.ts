// Who caused a deploy, for the history (issue 12, traceability). Commands and the command line
// say so in the job; a push is traced to the change request it merged, with that request's
// author and merger as the forge reports them; polls and heals are reconcile's. Looking the
// change request up never decides the deploy: a forge that does not answer leaves the pusher.
import type { Forge } from "../forges/types.ts";
import type { Logger } from "../observability/logger.ts";
import type { SyncJob } from "../queue/types.ts";
import type { DeployCause } from "../sync/history.ts";

export async function deployCause(
  job: SyncJob,
  source: { forge: Forge; repo: string; revision: string; logger: Logger },
): Promise<DeployCause> {
  const force = job.force === true ? { force: true } : {};
  if (job.via === "ui" && job.author !== undefined)
    return {
      kind: "ui",
      action: job.reason === "rollback" ? "rollback" : "sync",
      user: job.author,
      ...force,
    };
  switch (job.reason) {
    case "manual":
      // A person behind a manual sync is a commenter (the command worker names them).
      if (job.author === undefined) return { kind: "cli", ...force };
      return {
        kind: "command",
        user: job.author,
        ...(job.changeRequest !== undefined ? { changeRequest: job.changeRequest } : {}),
        ...force,
      };
    case "webhook":
      return mergedChangeRequest(job, source);
    default:
      return { kind: "reconcile" };
  }
}

async function mergedChangeRequest(
  job: SyncJob,
  source: { forge: Forge; repo: string; revision: string; logger: Logger },
): Promise<DeployCause> {
  const push: DeployCause = { kind: "push", ...(job.author !== undefined ? { user: job.author } : {}) };
  const { forge, repo, revision } = source;
  try {
    const number = await forge.findMergedChangeRequest(repo, revision);
    if (number === undefined) return push;
    const change = await forge.getChangeRequest({ repo, number });
    return {
      kind: "changeRequest",
      number,
      ...(change.author !== undefined ? { author: change.author } : {}),
      ...(change.mergedBy !== undefined ? { mergedBy: change.mergedBy } : {}),
      ...(change.url !== undefined ? { url: change.url } : {}),
    };
  } catch (error) {
    source.logger.warn(
      { reason: error instanceof Error ? error.message : String(error) },
      "merged change request not found; the history names the pusher",
    );
    return push;
  }
}
