// One pass of the straight pipeline for a set of rendered objects: plan, check prune, apply
// stage by stage waiting for health, prune, final health, record the inventory. Used for the
// revision being synced and, with prune off, for the revision a rollback returns to.
import type { Logger } from "pino";
import type { Redis } from "ioredis";
import type { AppConfig } from "../config/schema.ts";
import { worstHealth, type Health, type HealthCheck } from "../health/types.ts";
import type { KubeClient, KubeObject } from "../kube/types.ts";
import type { Scrubber } from "../observability/scrub.ts";
import type { StateSeal } from "../state/seal.ts";
import { applyStage, executePrune } from "./apply.ts";
import { entryKey, entryOf, entryRef, mergeEntries } from "./inventory.ts";
import {
  makeInventory,
  readInventory,
  writeInventory,
  writeInventoryToCluster,
  writeInventoryToRedis,
} from "./inventory-store.ts";
import { discoverScopes, getLiveMany, refOf } from "./kube.ts";
import { planSync, plannedObjects } from "./plan.ts";
import { decidePrune, inventoryAfterPrune, pruneCandidates, type PruneDecision } from "./prune.ts";
import type { SyncStep } from "./types.ts";
import { waitHealthy } from "./wait.ts";

export interface DeployContext {
  kube: KubeClient;
  redis: Redis;
  /** ferry.yaml's redis.prefix (src/keys.ts). */
  prefix: string;
  /** Seals and opens the stored records that can lead to a write (src/state/seal.ts). */
  seal: StateSeal;
  /** Scrubs failure texts of the Secrets the job rendered (src/observability/scrub.ts). */
  scrub?: Scrubber;
  /**
   * Renders a revision from Git again, for a rollback whose stored manifests were refused;
   * undefined when the revision is not on the app's branch. Without it such a rollback stops.
   */
  renderFromGit?: (revision: string) => Promise<KubeObject[] | undefined>;
  app: AppConfig;
  /** Apply may take over live objects another app's tracking annotation claims. */
  allowAdoption: boolean;
  logger: Logger;
  signal?: AbortSignal;
  checks?: ReadonlyMap<string, HealthCheck>;
  pollIntervalMs?: number;
}

/** Mutated as the pipeline advances, so that a failure can say where it stopped. */
export interface DeployProgress {
  step: SyncStep;
  applied: string[];
  unchanged: string[];
  pruned: string[];
}

export interface DeployResult {
  health: Health;
  /** Every tracked object key of the plan. */
  desired: string[];
}

export function newProgress(): DeployProgress {
  return { step: "plan", applied: [], unchanged: [], pruned: [] };
}

async function decide(
  context: DeployContext,
  desiredKeys: Set<string>,
  entries: Parameters<typeof pruneCandidates>[0],
) {
  const candidates = pruneCandidates(entries, desiredKeys);
  const live = await getLiveMany(context.kube, candidates.map(entryRef), context.signal);
  return decidePrune({
    app: context.app.name,
    inventory: entries,
    desiredKeys,
    live,
    pruneBudget: context.app.sync.pruneBudget,
    allowPrune: context.app.sync.allowPrune,
  });
}

export async function deploy(
  context: DeployContext,
  input: { objects: KubeObject[]; revision: string; prune: boolean; deadline: number },
  progress: DeployProgress,
): Promise<DeployResult> {
  const { kube, redis, prefix, app, signal } = context;
  // The sync's logger already carries the revision; a rollback's adds rollbackTo.
  const log = context.logger;
  progress.step = "plan";
  const scopeOf = await discoverScopes(kube, input.objects);
  const plan = planSync({ app: app.name, objects: input.objects, destination: app.destination, scopeOf });
  const tracked = plannedObjects(plan).filter((planned) => planned.tracked);
  const desiredKeys = new Set(tracked.map((planned) => planned.key));
  const { inventory, source } = await readInventory(kube, redis, prefix, app, signal);
  log.info(
    { stages: plan.stages.map((s) => s.name), inventory: inventory.entries.length, source },
    "sync planned",
  );

  // Prune is decided before anything changes, so a refused prune leaves the cluster untouched.
  progress.step = "prune-check";
  const decision: PruneDecision | undefined = input.prune
    ? await decide(context, desiredKeys, inventory.entries)
    : undefined;
  if (decision && (decision.delete.length > 0 || decision.keep.length > 0)) {
    const kept = decision.keep.map((k) => `${entryKey(k.entry)} (${k.reason})`);
    log.info({ prune: decision.delete.map(entryKey), kept }, "prune decided");
  }
  const union = mergeEntries(inventory.entries, tracked.map(entryOf));
  const pending = makeInventory(app.name, input.revision, union);
  await writeInventoryToRedis(redis, prefix, pending);

  const applyContext = {
    kube,
    app: app.name,
    allowAdoption: context.allowAdoption,
    previous: new Map(inventory.entries.map((entry) => [entryKey(entry), entry])),
    force: app.sync.force,
    deadline: input.deadline,
    onApplied: (key: string) => progress.applied.push(key),
    ...(signal ? { signal } : {}),
  };
  const timeoutMs = app.sync.healthTimeout;
  let clusterInventoryWritten = false;
  for (const stage of plan.stages) {
    // The ConfigMap can only be written once its namespace exists, i.e. after that stage.
    // Redis has this inventory already.
    if (!clusterInventoryWritten && stage.kind !== "namespaces") {
      await writeInventoryToCluster(kube, app, pending, signal);
      clusterInventoryWritten = true;
    }
    progress.step = "apply";
    const result = await applyStage(applyContext, stage);
    progress.unchanged.push(...result.unchanged);
    progress.step = "health";
    await waitHealthy(
      kube,
      stage.objects.map((planned) => refOf(planned.object)),
      {
        deadline: input.deadline,
        what: stage.name,
        timeoutMs,
        ...(signal ? { signal } : {}),
        ...(context.checks ? { checks: context.checks } : {}),
        ...(context.pollIntervalMs ? { intervalMs: context.pollIntervalMs } : {}),
      },
    );
    log.info(
      { stage: stage.name, applied: result.applied.length, unchanged: result.unchanged.length },
      "stage healthy",
    );
  }
  if (!clusterInventoryWritten) await writeInventoryToCluster(kube, app, pending, signal);

  progress.step = "prune";
  if (decision) progress.pruned.push(...(await executePrune(kube, decision, signal)));
  progress.step = "health";
  const final = await waitHealthy(
    kube,
    tracked.map((planned) => refOf(planned.object)),
    {
      deadline: input.deadline,
      what: "app",
      timeoutMs,
      ...(signal ? { signal } : {}),
      ...(context.checks ? { checks: context.checks } : {}),
    },
  );
  // Without prune, entries that left Git stay known, so that turning prune on later removes them.
  const entries = decision ? inventoryAfterPrune(tracked.map(entryOf), decision) : union;
  await writeInventory(kube, redis, prefix, app, makeInventory(app.name, input.revision, entries), signal);
  return { health: worstHealth(final.map((result) => result.health)), desired: [...desiredKeys] };
}
