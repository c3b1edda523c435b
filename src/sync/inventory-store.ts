// Where inventories live: a ConfigMap `ferry-inventory-<app>` in the cluster (the truth for
// prune, so losing Redis never makes Ferry prune the wrong thing) and a copy in Redis (for
// the API and for a cluster whose ConfigMap was deleted by hand). The ConfigMap sits in the
// app's destination namespace unless sync.inventoryNamespace names another: that works on any
// destination cluster without a Ferry namespace there, and Ferry's RBAC already covers it.
// It carries no tracking annotation, so it is never itself pruned.
import type { RedisClient } from "../queue/connection.ts";
import { z } from "zod";
import type { AppConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { syncKey } from "../keys.ts";
import type { KubeClient, KubeObject, ObjectRef } from "../kube/types.ts";
import { inventorySchema, type Inventory, type InventoryEntry } from "./inventory.ts";
import { getLive } from "../kube/objects.ts";

export const INVENTORY_LABEL = "ferry.dev/inventory-of";
const DATA_KEY = "inventory.json";

export function inventoryRef(app: Pick<AppConfig, "name" | "destination" | "sync">): ObjectRef {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    namespace: app.sync.inventoryNamespace ?? app.destination.namespace,
    name: `ferry-inventory-${app.name}`,
  };
}

const configMapSchema = z.object({ data: z.record(z.string(), z.string()).optional() });

function parseInventory(text: string, where: string): Inventory {
  try {
    return inventorySchema.parse(JSON.parse(text));
  } catch (error) {
    throw new AppError("SYNC_FAILED", `the inventory in ${where} is unreadable; fix or delete it`, {
      cause: error,
    });
  }
}

/** The inventory JSON the app's ConfigMap holds; undefined without the ConfigMap or its key. */
export async function clusterInventoryText(
  kube: KubeClient,
  app: Pick<AppConfig, "name" | "destination" | "sync">,
): Promise<string | undefined> {
  const live = await getLive(kube, inventoryRef(app));
  return live ? configMapSchema.parse(live).data?.[DATA_KEY] : undefined;
}

/** The ConfigMap when it exists, else Redis, else an empty inventory (nothing to prune). */
export async function readInventory(
  kube: KubeClient,
  redis: RedisClient,
  prefix: string,
  app: AppConfig,
  signal?: AbortSignal,
): Promise<{ inventory: Inventory; source: "cluster" | "redis" | "none" }> {
  const ref = inventoryRef(app);
  signal?.throwIfAborted();
  const text = await clusterInventoryText(kube, app);
  if (text !== undefined)
    return { inventory: parseInventory(text, `ConfigMap ${ref.namespace}/${ref.name}`), source: "cluster" };
  const cached = await redis.get(syncKey(prefix, app.name, "inventory"));
  if (cached !== null) return { inventory: parseInventory(cached, "Redis"), source: "redis" };
  return { inventory: { app: app.name, entries: [] }, source: "none" };
}

function inventoryObject(app: AppConfig, inventory: Inventory): KubeObject {
  const ref = inventoryRef(app);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: ref.name, namespace: ref.namespace, labels: { [INVENTORY_LABEL]: app.name } },
    data: { [DATA_KEY]: JSON.stringify(inventory) },
  };
}

export function makeInventory(app: string, revision: string, entries: InventoryEntry[]): Inventory {
  return { app, revision, updatedAt: new Date().toISOString(), entries };
}

export async function writeInventoryToRedis(
  redis: RedisClient,
  prefix: string,
  inventory: Inventory,
): Promise<void> {
  await redis.set(syncKey(prefix, inventory.app, "inventory"), JSON.stringify(inventory));
}

export async function writeInventoryToCluster(
  kube: KubeClient,
  app: AppConfig,
  inventory: Inventory,
  signal?: AbortSignal,
): Promise<void> {
  signal?.throwIfAborted();
  await kube.apply(inventoryObject(app, inventory), { force: true });
}

export async function writeInventory(
  kube: KubeClient,
  redis: RedisClient,
  prefix: string,
  app: AppConfig,
  inventory: Inventory,
  signal?: AbortSignal,
) {
  await writeInventoryToRedis(redis, prefix, inventory);
  await writeInventoryToCluster(kube, app, inventory, signal);
}
