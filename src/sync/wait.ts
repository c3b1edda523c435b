// Waiting for a set of objects to become healthy, by polling: a GET per object per round is
// cheap for the few objects of one stage, and unlike a watch it needs no resource discovery
// per kind. Rounds start at 100 ms and grow to 500 ms, so a rollout is seen done within half a
// second. Degraded ends the wait at once (a failed Job or an exceeded progress deadline does
// not heal by waiting); Healthy, Suspended and Unknown end it as done (health/types.ts
// settled); the deadline ends it with HEALTH_TIMEOUT. An object read Healthy is not read again
// in the same wait: the rounds poll only what is still progressing (in a fleet's first deploy,
// the Deployment, not its Service and ConfigMaps), so a round costs a GET per unsettled object.
// The first round may start from copies the caller already holds (`known`: what the apply just
// answered), so an object that is Healthy as applied costs no read at all.
import { setTimeout as sleep } from "node:timers/promises";
import { AppError } from "../errors.ts";
import { assessHealth } from "../health/registry.ts";
import { settled, worstHealth, type Health, type HealthCheck } from "../health/types.ts";
import type { KubeClient, KubeObject, ObjectRef } from "../kube/types.ts";
import { getLive, refKey } from "../kube/objects.ts";

export interface WaitOptions {
  /** Epoch milliseconds after which the wait fails. */
  deadline: number;
  signal?: AbortSignal;
  checks?: ReadonlyMap<string, HealthCheck>;
  /** First poll interval; grows by half each round up to maxIntervalMs. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Described in the timeout message, e.g. "wave 0". */
  what: string;
  /** Current copies by refKey, read by the first round instead of the API. */
  known?: ReadonlyMap<string, KubeObject>;
  timeoutMs: number;
}

export interface ObjectHealth {
  ref: ObjectRef;
  health: Health;
}

export async function readHealth(
  kube: KubeClient,
  refs: ObjectRef[],
  options: Pick<WaitOptions, "checks" | "known"> = {},
): Promise<ObjectHealth[]> {
  return Promise.all(
    refs.map(async (ref) => {
      const live = options.known?.get(refKey(ref)) ?? (await getLive(kube, ref));
      return { ref, health: assessHealth(live, options.checks) };
    }),
  );
}

function describe(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name}`;
}

function explain(results: ObjectHealth[]): string {
  const worst = worstHealth(results.map((r) => r.health));
  const object = results.find((r) => r.health === worst);
  if (!object) return worst.status;
  return worst.message ?? `${describe(object.ref)} is ${worst.status}`;
}

/** Resolves with the healths once all are settled; throws SYNC_FAILED or HEALTH_TIMEOUT. */
export async function waitHealthy(
  kube: KubeClient,
  refs: ObjectRef[],
  options: WaitOptions,
): Promise<ObjectHealth[]> {
  let interval = options.intervalMs ?? 100;
  // In the order of refs; each round reads only the entries not yet Healthy.
  const results: ObjectHealth[] = [];
  let known = options.known;
  for (;;) {
    options.signal?.throwIfAborted();
    const pending = refs.flatMap((_, index) => (results[index]?.health.status === "Healthy" ? [] : [index]));
    const fresh = await readHealth(
      kube,
      pending.map((index) => refs[index] as ObjectRef),
      { ...(options.checks ? { checks: options.checks } : {}), ...(known ? { known } : {}) },
    );
    // Later rounds read the API: the copies were current only when the wait began.
    known = undefined;
    pending.forEach((index, at) => (results[index] = fresh[at] as ObjectHealth));
    const worst = worstHealth(results.map((r) => r.health));
    if (settled(worst.status)) return results;
    if (worst.status === "Degraded") {
      throw new AppError("SYNC_FAILED", `${options.what}: ${explain(results)}`, {
        details: { health: worst },
      });
    }
    const left = options.deadline - Date.now();
    if (left <= 0) {
      const seconds = Math.round(options.timeoutMs / 100) / 10;
      throw new AppError(
        "HEALTH_TIMEOUT",
        `${options.what} not healthy after ${seconds} s: ${explain(results)}`,
        {
          details: { health: worst },
        },
      );
    }
    await sleep(Math.min(interval, left), undefined, options.signal ? { signal: options.signal } : {});
    interval = Math.min(Math.round(interval * 1.5), options.maxIntervalMs ?? 500);
  }
}
