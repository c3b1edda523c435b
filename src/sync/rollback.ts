// Automatic rollback: after a sync failed part-way or missed its health deadline, re-apply
// the manifests of the last healthy revision (kept in Redis by history.ts), wait for their
// health, and say what happened. Rollback does not prune: in an emergency it changes as little
// as possible; objects the bad revision added stay in the inventory and the next successful
// sync prunes them.
//
// The stored manifests are applied only when their seal opens (src/state/seal.ts). A refused
// record is never applied: the revision it names is rendered from Git again when the caller can
// (renderFromGit, which also checks that the revision is on the app's branch); otherwise nothing
// is rolled back.
import { toAppError } from "../errors.ts";
import type { KubeObject } from "../kube/types.ts";
import { deploy, newProgress, type DeployContext } from "./deploy.ts";
import { readHealthyRevision } from "./history.ts";
import type { Health } from "../health/types.ts";

export type RollbackResult =
  | {
      rolledBack: true;
      revision: string;
      health: Health;
      applied: string[];
      unchanged: string[];
      /** "rolled back to <sha>: <why>" */
      message: string;
    }
  | { rolledBack: false; revision?: string; message: string; applied: string[] };

export function shortSha(revision: string): string {
  return /^[0-9a-f]{40,64}$/.test(revision) ? revision.slice(0, 7) : revision;
}

export async function rollback(
  context: DeployContext,
  failed: { revision: string; message: string; timeoutMs: number },
): Promise<RollbackResult> {
  const healthy = await healthyTarget(context);
  if (!healthy || healthy.revision === failed.revision) {
    return {
      rolledBack: false,
      message: `no healthy revision to roll back to: ${failed.message}`,
      applied: [],
    };
  }
  const log = context.logger.child({ rollbackTo: healthy.revision });
  log.warn({ reason: failed.message }, "rolling back");
  const progress = newProgress();
  try {
    const result = await deploy(
      { ...context, logger: log },
      {
        objects: healthy.objects,
        revision: healthy.revision,
        prune: false,
        deadline: Date.now() + failed.timeoutMs,
      },
      progress,
    );
    return {
      rolledBack: true,
      revision: healthy.revision,
      health: result.health,
      applied: progress.applied,
      unchanged: progress.unchanged,
      message: `rolled back to ${shortSha(healthy.revision)}: ${failed.message}`,
    };
  } catch (error) {
    const cause = toAppError(error, "SYNC_FAILED");
    const why = context.scrub ? context.scrub(cause.message) : cause.message;
    log.error({ code: cause.code, reason: why, step: progress.step }, "rollback failed");
    return {
      rolledBack: false,
      revision: healthy.revision,
      message: `rollback to ${shortSha(healthy.revision)} failed (${why}) after: ${failed.message}`,
      applied: progress.applied,
    };
  }
}

/** The verified stored revision, or the refused one's revision rendered from Git again. */
async function healthyTarget(
  context: DeployContext,
): Promise<{ revision: string; objects: KubeObject[] } | undefined> {
  const stored = await readHealthyRevision(context.redis, context.prefix, context.seal, context.app.name);
  if (stored.state === "verified") return stored;
  if (stored.state === "none" || stored.claimed === undefined || !context.renderFromGit) return undefined;
  const objects = await context.renderFromGit(stored.claimed);
  return objects && { revision: stored.claimed, objects };
}
