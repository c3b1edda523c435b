// One pass of the straight pipeline for a set of rendered objects: plan, validate every write
// by server-side dry-run (validate.ts), check prune, apply stage by stage waiting for health,
// prune, final health, record the inventory. Used for the
// revision being synced and, with prune off, for the revision a rollback returns to.
import type { Logger } from "pino";
import type { RedisClient } from "../queue/connection.ts";
import type { AppConfig } from "../config/schema.ts";
import { worstHealth, type Health, type HealthCheck } from "../health/types.ts";
import type { KubeClient, KubeObject } from "../kube/types.ts";
import { noPhases, type PhaseTimer } from "../observability/phases.ts";
import type { Scrubber } from "../observability/scrub.ts";
import type { StateSeal } from "../state/seal.ts";
import { applyWrites, executePrune, stageWrites, type ApplyContext } from "./apply.ts";
import { entryKey, entryOf, entryRef, mergeEntries, sameEntries } from "./inventory.ts";
import {
  makeInventory,
  readInventory,
  writeInventory,
  writeInventoryToCluster,
  writeInventoryToRedis,
} from "./inventory-store.ts";
import { discoverScopes } from "./scope.ts";
import { getLiveMany, refKey, refOf } from "../kube/objects.ts";
import { planSync, plannedObjects } from "./plan.ts";
import { decidePrune, inventoryAfterPrune, pruneCandidates, type PruneDecision } from "./prune.ts";
import type { SyncStep } from "./types.ts";
import { waitServed } from "./served.ts";
import { checkableNow, validateWrites } from "./validate.ts";
import { waitHealthy } from "./wait.ts";

export interface DeployContext {
  kube: KubeClient;
  redis: RedisClient;
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
  /** Lapped at each step boundary (observability/phases.ts). */
  phases?: PhaseTimer;
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
  const phases = context.phases ?? noPhases;
  progress.step = "plan";
  const scopeOf = await discoverScopes(kube, input.objects);
  const plan = planSync({ app: app.name, objects: input.objects, destination: app.destination, scopeOf });
  const planned = plannedObjects(plan);
  const tracked = planned.filter((item) => item.tracked);
  const desiredKeys = new Set(tracked.map((item) => item.key));
  phases.lap("plan");
  const [{ inventory, source }, live] = await Promise.all([
    readInventory(kube, redis, prefix, app, signal),
    getLiveMany(
      kube,
      planned.map((item) => refOf(item.object)),
      signal,
    ),
  ]);
  log.info(
    { stages: plan.stages.map((s) => s.name), inventory: inventory.entries.length, source },
    "sync planned",
  );
  phases.lap("read-live");
  // The newest copy of each object this sync has read or written, by refKey: health waits start
  // from these instead of reading each object again right after applying it.
  const seen = new Map<string, KubeObject>();
  const remember = (copies: ReadonlyMap<string, KubeObject | undefined>) => {
    for (const copy of copies.values()) if (copy) seen.set(refKey(refOf(copy)), copy);
  };
  remember(live);
  const applyContext: ApplyContext = {
    kube,
    app: app.name,
    allowAdoption: context.allowAdoption,
    previous: new Map(inventory.entries.map((entry) => [entryKey(entry), entry])),
    force: app.sync.force,
    ignoreDifferences: app.ignoreDifferences,
    deadline: input.deadline,
    onApplied: (key, copy) => {
      progress.applied.push(key);
      seen.set(refKey(refOf(copy)), copy);
    },
    ...(signal ? { signal } : {}),
  };

  // Validate before write: what the API refuses is refused before anything changes.
  progress.step = "validate";
  const writes = plan.stages.map((stage) => stageWrites(applyContext, stage, live));
  const created = new Set(
    plan.stages
      .filter((stage) => stage.kind === "namespaces")
      .flatMap((stage) => stage.objects)
      .filter((item) => live.get(item.key) === undefined)
      .map((item) => item.object.metadata.name),
  );
  const served = (object: KubeObject) =>
    object.kind === "CustomResourceDefinition" ||
    object.kind === "Namespace" ||
    scopeOf(object.apiVersion, object.kind) !== undefined;
  const checks = checkableNow(
    writes.flatMap((stage) => stage.writes),
    served,
    created,
  );
  await validateWrites(kube, checks.now, { force: app.sync.force, ...(signal ? { signal } : {}) });
  log.debug({ checked: checks.now.length, later: checks.later.length }, "writes validated");
  phases.lap("validate");

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
  phases.lap("prune-check");
  await writeInventoryToRedis(redis, prefix, pending);
  phases.lap("inventory");

  const timeoutMs = app.sync.healthTimeout;
  let clusterInventoryWritten = false;
  let laterChecked = checks.later.length === 0;
  let changedBefore = false;
  for (const [index, stage] of plan.stages.entries()) {
    const early = stage.kind === "namespaces" || stage.kind === "crds";
    if (!laterChecked && !early) {
      // Namespaces exist and CRDs are established now: the rest can be checked.
      progress.step = "validate";
      await validateWrites(kube, checks.later, { force: app.sync.force, ...(signal ? { signal } : {}) });
      laterChecked = true;
      phases.lap("validate");
    }
    // The ConfigMap can only be written once its namespace exists, i.e. after that stage.
    // Redis has this inventory already.
    if (!clusterInventoryWritten && stage.kind !== "namespaces") {
      await writeInventoryToCluster(kube, app, pending, signal);
      clusterInventoryWritten = true;
      phases.lap("inventory");
    }
    progress.step = "apply";
    // The first read holds until something changed; later stages read their objects again.
    let result = writes[index] as ReturnType<typeof stageWrites>;
    if (changedBefore) {
      const stageLive = await getLiveMany(
        kube,
        stage.objects.map((item) => refOf(item.object)),
        signal,
      );
      remember(stageLive);
      result = stageWrites(applyContext, stage, stageLive);
    }
    const applied = await applyWrites(applyContext, result.writes);
    changedBefore ||= applied.length > 0;
    phases.lap("apply");
    progress.unchanged.push(...result.unchanged);
    progress.step = "health";
    await waitHealthy(
      kube,
      stage.objects.map((item) => refOf(item.object)),
      {
        deadline: input.deadline,
        what: stage.name,
        timeoutMs,
        known: seen,
        ...(signal ? { signal } : {}),
        ...(context.checks ? { checks: context.checks } : {}),
        ...(context.pollIntervalMs ? { intervalMs: context.pollIntervalMs } : {}),
      },
    );
    // Established is not yet served (served.ts): the custom resources come next.
    if (stage.kind === "crds") {
      await waitServed(
        kube,
        stage.objects.map((item) => item.object),
        { deadline: input.deadline, timeoutMs, ...(signal ? { signal } : {}) },
      );
    }
    log.info(
      { stage: stage.name, applied: applied.length, unchanged: result.unchanged.length },
      "stage healthy",
    );
    phases.lap("health");
  }
  if (!clusterInventoryWritten) await writeInventoryToCluster(kube, app, pending, signal);
  phases.lap("inventory");

  progress.step = "prune";
  if (decision) progress.pruned.push(...(await executePrune(kube, decision, signal)));
  phases.lap("prune");
  progress.step = "health";
  const final = await waitHealthy(
    kube,
    tracked.map((item) => refOf(item.object)),
    {
      deadline: input.deadline,
      what: "app",
      timeoutMs,
      // An object without status (a ConfigMap, a Secret) changes health only by a write, and
      // this sync wrote or read it last; what has status is read again.
      known: new Map([...seen].filter(([, copy]) => copy.status === undefined)),
      ...(signal ? { signal } : {}),
      ...(context.checks ? { checks: context.checks } : {}),
    },
  );
  // Without prune, entries that left Git stay known, so that turning prune on later removes them.
  const entries = decision ? inventoryAfterPrune(tracked.map(entryOf), decision) : union;
  phases.lap("health");
  // The inventory written before the first apply (Redis and cluster) is final unless the prune
  // dropped entries from it: on a first deploy or a sync that removes nothing, one write is enough.
  if (!sameEntries(entries, union))
    await writeInventory(kube, redis, prefix, app, makeInventory(app.name, input.revision, entries), signal);
  phases.lap("inventory");
  return { health: worstHealth(final.map((result) => result.health)), desired: [...desiredKeys] };
}
