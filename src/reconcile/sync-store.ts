// The AppliedStateStore over the sync engine's own bookkeeping (src/sync/history.ts), so that
// production needs no second copy of the manifests: the last healthy revision is what a sync
// left in the cluster (a failed sync is rolled back to it), and the bad mark is the revision
// that failed. One exception: when the newest deployment changed objects, failed and was NOT
// rolled back (sync.rollback: false, or the rollback failed), the cluster holds (part of) that
// failed revision, and healing towards the healthy one would be a rollback nobody asked for.
// Then there is no applied state to compare with until the next sync.
import { outcome } from "../outcome.ts";
import type { RedisClient } from "../queue/connection.ts";
import type { StateSeal } from "../state/seal.ts";
import { badRevision, readHealthyRevision, readHistory, recordDeployment } from "../sync/history.ts";
import type { Correction } from "./heal.ts";
import type { AppliedStateStore } from "./types.ts";

export function createSyncHistoryStore(
  redis: RedisClient,
  prefix: string,
  seal: StateSeal,
): AppliedStateStore {
  return {
    async lastApplied(app) {
      const [newest] = await readHistory(redis, prefix, app);
      // A failure that changed nothing (render error, refused prune) left the healthy state.
      if (newest?.result === "failed" && newest.changed > 0) return undefined;
      const healthy = await readHealthyRevision(redis, prefix, seal, app);
      if (healthy.state === "refused") return "refused";
      return healthy.state === "verified"
        ? { revision: healthy.revision, objects: healthy.objects, appliedAt: healthy.at }
        : undefined;
    },
    lastFailedRevision: (app) => badRevision(redis, prefix, app),
  };
}

/** Writes a self-heal correction into the app's deployment history (trigger selfHeal). */
export function createHistoryRecorder(
  redis: RedisClient,
  prefix: string,
): (app: string, correction: Correction) => Promise<void> {
  return (app, correction) =>
    recordDeployment(redis, prefix, app, {
      revision: correction.revision,
      trigger: "selfHeal",
      cause: { kind: "reconcile" },
      startedAt: correction.at,
      durationMs: correction.durationMs,
      ...outcome(
        "Healed",
        correction.objects
          .flatMap((item) => item.summary)
          .join("; ")
          .slice(0, 500),
      ),
      changed: correction.objects.length,
      health: "Unknown",
    });
}
