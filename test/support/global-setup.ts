// Starts the shared services once per test run and hands their addresses to tests with
// vitest's provide/inject. Each test isolates itself (random queue names, own namespaces).
import type { TestProject } from "vitest/node";
import { startTestCluster } from "./cluster.ts";
import { startRedis } from "./redis.ts";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
    /** Path of the admin kubeconfig of the run's control plane (test/support/cluster.ts). */
    kubeconfig: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [redis, cluster] = await Promise.allSettled([startRedis(), startTestCluster()]);
  if (redis.status === "rejected" || cluster.status === "rejected") {
    if (redis.status === "fulfilled") await redis.value.stop();
    if (cluster.status === "fulfilled") await cluster.value.stop();
    throw redis.status === "rejected" ? redis.reason : (cluster as PromiseRejectedResult).reason;
  }
  project.provide("redisUrl", redis.value.url);
  project.provide("kubeconfig", cluster.value.kubeconfig);
  return async () => {
    await Promise.all([redis.value.stop(), cluster.value.stop()]);
  };
}
