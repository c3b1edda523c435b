// A stand-alone Redis AppliedStateStore for tests and bench/drift.bench.ts, which record applied
// state without running syncs (production reads the sync history: sync-store.ts).
// Manifests are gzipped: an app of a few hundred objects stays small.
import { gunzipSync, gzipSync } from "node:zlib";
import type { RedisClient } from "../queue/connection.ts";
import { z } from "zod";
import type { KubeObject } from "../kube/types.ts";
import { reconcileKey } from "../keys.ts";
import type { AppliedState, AppliedStateStore } from "./types.ts";

const appliedSchema = z.object({
  revision: z.string().min(1),
  appliedAt: z.string().optional(),
  objects: z.array(
    z.looseObject({
      apiVersion: z.string(),
      kind: z.string(),
      metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }),
    }),
  ),
});

export interface RedisAppliedStateStore extends AppliedStateStore {
  recordApplied(app: string, revision: string, objects: KubeObject[]): Promise<void>;
  recordFailed(app: string, revision: string): Promise<void>;
  clearFailed(app: string): Promise<void>;
}

export function createRedisAppliedStateStore(redis: RedisClient, prefix: string): RedisAppliedStateStore {
  return {
    async lastApplied(app) {
      const stored = await redis.get(reconcileKey(prefix, app, "applied"));
      if (stored === null) return undefined;
      const text = gunzipSync(Buffer.from(stored, "base64")).toString("utf8");
      // A record another version wrote and this one cannot read: treat as never applied
      // rather than failing every reconcile; the next sync rewrites it.
      const parsed = appliedSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : undefined;
    },
    async lastFailedRevision(app) {
      return (await redis.get(reconcileKey(prefix, app, "failed"))) ?? undefined;
    },
    async recordApplied(app, revision, objects) {
      const state: AppliedState = { revision, objects, appliedAt: new Date().toISOString() };
      const packed = gzipSync(JSON.stringify(state)).toString("base64");
      await redis.set(reconcileKey(prefix, app, "applied"), packed);
    },
    async recordFailed(app, revision) {
      await redis.set(reconcileKey(prefix, app, "failed"), revision);
    },
    async clearFailed(app) {
      await redis.del(reconcileKey(prefix, app, "failed"));
    },
  };
}
