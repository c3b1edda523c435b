// Starts the shared services once per test run and hands their addresses to tests with
// vitest's provide/inject. Each test isolates itself (random queue names, own namespaces).
import type { TestProject } from "vitest/node";
import { startRedis } from "./redis.ts";

declare module "vitest" {
  export interface ProvidedContext {
    redisUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis();
  project.provide("redisUrl", redis.url);
  return async () => {
    await redis.stop();
  };
}
