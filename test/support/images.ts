import type { Queue } from "bullmq";
import { parseConfig } from "../../src/config/load.ts";
import { imageSchema, type FerryConfig, type ImageConfig } from "../../src/config/schema.ts";
import { waitFor } from "./process.ts";

/** The image policy the image-update tests follow: acme/web, 1.x, for the app "web". */
export function webImage(fields: Record<string, unknown> = {}): ImageConfig {
  return imageSchema.parse({
    name: "web",
    registry: "harbor",
    repository: "acme/web",
    policy: { semver: ">=1.0.0 <2.0.0" },
    apps: ["web"],
    ...fields,
  });
}

/**
 * A ferry.yaml with one forge, the app "web" (apps/web of acme/deploy) and the image policy
 * webImage describes on `registries[0]`; `extra` adds or replaces top-level sections.
 */
export function webImageConfig(
  forge: Record<string, unknown>,
  registries: Record<string, unknown>[],
  options: { app?: Record<string, unknown>; extra?: Record<string, unknown> } = {},
): FerryConfig {
  return parseConfig({
    forges: [forge],
    clusters: [{ name: "local", kubeconfig: "/dev/null" }],
    apps: [
      {
        name: "web",
        forge: forge.name,
        repo: "acme/deploy",
        path: "apps/web",
        destination: { cluster: "local", namespace: "web" },
        ...options.app,
      },
    ],
    registries,
    images: [{ ...webImage(), registry: registries[0]?.name }],
    ...options.extra,
  });
}

/** Until the image queue has nothing waiting or running (earlier tests' jobs are done). */
export async function imageQueueIdle(queue: Queue): Promise<void> {
  await waitFor(
    "the image queue to be idle",
    async () => {
      const counts = await queue.getJobCounts("waiting", "active", "delayed", "prioritized");
      return Object.values(counts).every((count) => count === 0);
    },
    { timeoutMs: 30_000 },
  );
}
