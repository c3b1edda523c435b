// An AppliedStateStore (src/reconcile/types.ts) read straight from the sync engine's own
// bookkeeping: the last healthy revision with its manifests, and the revision that was rolled
// back. Reconcile then polls and detects drift against exactly what the deploy applied, with no
// second copy to keep in step.
import type { Redis } from "ioredis";
import type { AppliedStateStore } from "../reconcile/types.ts";
import { badRevision, readHealthyRevision } from "../sync/history.ts";

export function syncAppliedStateStore(redis: Redis): AppliedStateStore {
  return {
    async lastApplied(app) {
      const healthy = await readHealthyRevision(redis, app);
      if (!healthy) return undefined;
      return { revision: healthy.revision, objects: healthy.objects, appliedAt: healthy.at };
    },
    lastFailedRevision: (app) => badRevision(redis, app),
  };
}
