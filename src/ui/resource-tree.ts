// The live objects of an app as a tree: the objects Ferry applied (its inventory), and under
// each the objects they own by ownerReferences, e.g. Deployment → ReplicaSet → Pods, each with
// its health by the checks the workers judge with (src/health, built-ins and ferry.yaml's
// health.rules). Only where this process holds cluster credentials (`ferry up`); a
// receiver started alone (`ferry serve`) has none and says so.
import type { AppConfig } from "../config/schema.ts";
import { assessHealth } from "../health/registry.ts";
import type { HealthCheck } from "../health/types.ts";
import type { KubeClient, KubeObject } from "../kube/types.ts";
import type { RedisClient } from "../queue/connection.ts";
import { readInventory } from "../sync/inventory-store.ts";

export interface ResourceNode {
  kind: string;
  name: string;
  health: string;
  message?: string;
  children: ResourceNode[];
}

/** Objects read per app page, so a huge app cannot make one page read the whole cluster. */
const MAX_OBJECTS = 200;

/** Kinds that controllers create under an app's objects. */
const OWNED_KINDS = [
  { apiVersion: "apps/v1", kind: "ReplicaSet" },
  { apiVersion: "v1", kind: "Pod" },
];

interface OwnerReference {
  uid?: string;
}

function uidOf(object: KubeObject): string | undefined {
  const uid = object.metadata["uid"];
  return typeof uid === "string" ? uid : undefined;
}

function ownersOf(object: KubeObject): string[] {
  const refs = object.metadata["ownerReferences"];
  if (!Array.isArray(refs)) return [];
  return (refs as OwnerReference[]).flatMap((ref) => (typeof ref.uid === "string" ? [ref.uid] : []));
}

type HealthChecks = ReadonlyMap<string, HealthCheck>;

function node(
  object: KubeObject,
  owned: ReadonlyMap<string, KubeObject[]>,
  checks: HealthChecks,
  depth: number,
): ResourceNode {
  const health = assessHealth(object, checks);
  const uid = uidOf(object);
  const children = depth < 3 && uid !== undefined ? (owned.get(uid) ?? []) : [];
  return {
    kind: object.kind,
    name: object.metadata.namespace
      ? `${object.metadata.namespace}/${object.metadata.name}`
      : object.metadata.name,
    health: health.status,
    ...(health.message !== undefined ? { message: health.message } : {}),
    children: children
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))
      .map((child) => node(child, owned, checks, depth + 1)),
  };
}

export async function readResourceTree(
  kube: KubeClient,
  redis: RedisClient,
  prefix: string,
  app: AppConfig,
  checks: HealthChecks,
): Promise<ResourceNode[]> {
  const { inventory } = await readInventory(kube, redis, prefix, app);
  const entries = inventory.entries.slice(0, MAX_OBJECTS);
  const [roots, descendants] = await Promise.all([
    Promise.all(entries.map((entry) => kube.get(entry))),
    kube.list(OWNED_KINDS, { namespace: app.destination.namespace }),
  ]);
  const owned = new Map<string, KubeObject[]>();
  for (const object of descendants) {
    for (const owner of ownersOf(object)) {
      const siblings = owned.get(owner);
      if (siblings) siblings.push(object);
      else owned.set(owner, [object]);
    }
  }
  return entries.map((entry, index) => {
    const live = roots[index];
    if (live !== undefined) return node(live, owned, checks, 0);
    return { kind: entry.kind, name: entry.name, health: "Missing", children: [] };
  });
}
