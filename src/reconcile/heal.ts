// Self-heal: put drifted objects back as Ferry last applied them.
//
// Ferry applies the drifted objects directly (server-side apply, field manager ferry, forced)
// from the stored desired state instead of enqueueing a full sync:
// - it restores exactly the state the drift was measured against. A sync resolves the branch
//   HEAD, so a heal would also deploy whatever was pushed since, without the review a push gets
//   through its own (webhook or poll) sync with health checks and rollback;
// - no checkout and no render: a heal is one PATCH per drifted object, so a corrected field
//   is back within a second of the watch event;
// - it skips apps with a sync pending or running (the caller checks), so it never races the
//   sync engine over the same objects;
// - it follows apply's ownership rule (src/policy/ownership.ts): an object whose tracking
//   annotation now names another app is not taken back (unless the project allows adoption),
//   the refusal is reported as a failed correction and the object stays drifted.
// Each correction is recorded (a Redis list per app, newest first) and counted.
import type { RedisClient } from "../queue/connection.ts";
import { z } from "zod";
import { parseJsonOrUndefined } from "../json.ts";
import type { KubeClient, KubeObject } from "../kube/types.ts";
import { outcome, type Outcome } from "../outcome.ts";
import { assertMayApply } from "../policy/ownership.ts";
import { getLive, refOf } from "../kube/objects.ts";
import { readBackoff, nextCorrection, writeBackoff, type BackoffOptions } from "./backoff.ts";
import { reconcileKey } from "../keys.ts";
import type { DriftedObject } from "./types.ts";

export const CORRECTIONS_KEPT = 50;

export interface HealInput {
  kube: KubeClient;
  redis: RedisClient;
  prefix: string;
  app: string;
  /** The app's project lets it take over objects another app's tracking annotation claims. */
  allowAdoption: boolean;
  revision: string;
  drifted: DriftedObject[];
  desiredByKey: Map<string, KubeObject>;
  backoff: BackoffOptions;
  now?: number;
}

const correctionSchema = z.object({
  at: z.string(),
  durationMs: z.number().default(0),
  revision: z.string(),
  objects: z.array(
    z.object({
      key: z.string(),
      state: z.enum(["modified", "deleted", "error"]),
      summary: z.array(z.string()),
    }),
  ),
});
export type Correction = z.infer<typeof correctionSchema>;

/** How a self-heal ends (src/outcome.ts), with what it needs to say more. */
export type HealOutcome =
  | (Outcome<"Healed"> & {
      correction: Correction;
      failed: { key: string; error: string }[];
      nextAllowedAt: number;
    })
  | (Outcome<"HealBackingOff"> & { nextAt: number })
  | Outcome<"NothingToHeal">;

export async function healDrift(input: HealInput): Promise<HealOutcome> {
  // Objects the cluster refuses (state "error") would fail again: they are reported, not retried.
  const fixable = input.drifted.filter((item) => item.state !== "error" && input.desiredByKey.has(item.key));
  if (fixable.length === 0) return outcome("NothingToHeal", "the cluster refuses every drifted object");
  const now = input.now ?? Date.now();
  const key = reconcileKey(input.prefix, input.app, "heal");
  const decision = nextCorrection(await readBackoff(input.redis, key), now, input.backoff);
  if (!decision.allowed) {
    const message = `self-heal backing off until ${new Date(decision.nextAt).toISOString()}`;
    return { ...outcome("HealBackingOff", message), nextAt: decision.nextAt };
  }
  // Taken before applying: a crash half-way still counts as an attempt.
  await writeBackoff(input.redis, key, decision.state, input.backoff.quietMs + input.backoff.maxMs);
  const failed: { key: string; error: string }[] = [];
  const applied: DriftedObject[] = [];
  await Promise.all(
    fixable.map(async (item) => {
      try {
        const desired = input.desiredByKey.get(item.key) as KubeObject;
        // Read now, not at detection: the owner may have changed since (or a deleted object
        // been re-created by another app).
        assertMayApply(input.app, await getLive(input.kube, refOf(desired)), input.allowAdoption);
        await input.kube.apply(desired, { force: true });
        applied.push(item);
      } catch (error) {
        failed.push({ key: item.key, error: error instanceof Error ? error.message : String(error) });
      }
    }),
  );
  const correction: Correction = {
    at: new Date(now).toISOString(),
    durationMs: Date.now() - now,
    revision: input.revision,
    objects: applied.map((item) => ({ key: item.key, state: item.state, summary: item.summary })),
  };
  const list = reconcileKey(input.prefix, input.app, "corrections");
  await input.redis
    .multi()
    .lpush(list, JSON.stringify(correction))
    .ltrim(list, 0, CORRECTIONS_KEPT - 1)
    .exec();
  return { ...outcome("Healed"), correction, failed, nextAllowedAt: decision.state.nextAt };
}

export async function readCorrections(
  redis: RedisClient,
  prefix: string,
  app: string,
): Promise<Correction[]> {
  const items = await redis.lrange(reconcileKey(prefix, app, "corrections"), 0, CORRECTIONS_KEPT - 1);
  return items.flatMap((item) => parseJsonOrUndefined(correctionSchema, item) ?? []);
}
