// Issue 17's acceptance for many workers, with two real `ferry worker` processes on one Redis:
// both complete jobs (each one's /metrics counts ferry_job_duration_seconds), the watcher role
// is held per cluster and spread (two clusters, one role each), and when one worker is
// SIGKILLed in the middle of a sync, the other finishes that sync and takes over its watcher.
import { afterEach, describe, expect, inject, it } from "vitest";
import { useNamespace } from "../../support/cluster.ts";
import { waitFor } from "../../support/process.ts";
import { startFleet, type Fleet, type FleetWorker } from "./fleet.ts";

const ns = useNamespace("workers");
let fleet: Fleet | undefined;

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

type LogLine = Record<string, unknown>;

function lines(worker: FleetWorker): LogLine[] {
  return worker
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as LogLine);
}

/** The clusters whose watcher role the worker took (and still holds, by its own log). */
function rolesOf(worker: FleetWorker): Set<string> {
  const held = new Set<string>();
  for (const line of lines(worker)) {
    if (line.msg === "watcher: role taken") held.add(String(line.cluster));
    if (line.msg === "watcher: role lost") held.delete(String(line.cluster));
  }
  return held;
}

const logged = (worker: FleetWorker, msg: string, app: string, revision: string | undefined) =>
  lines(worker).some((line) => line.msg === msg && line.app === app && line.revision === revision);

async function jobsCompleted(worker: FleetWorker): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${worker.port}/metrics`)).text();
  return [...text.matchAll(/^ferry_job_duration_seconds_count\{[^}]*\} (\d+)/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}

/** Enough objects that a sync of app 0 takes a while (each is validated, then applied). */
function manyConfigMaps(app: number): Record<string, string> {
  if (app !== 0) return {};
  const files: Record<string, string> = {};
  for (let i = 0; i < 120; i++) {
    files[`app/bulk-${i}.yaml`] = `apiVersion: v1
kind: ConfigMap
metadata: { name: bulk-${i} }
data: { index: "${i}" }
`;
  }
  return files;
}

describe("two ferry worker processes", () => {
  it(
    "share the jobs and the per-cluster watcher roles; a killed worker's sync and watcher are taken over",
    { timeout: 300_000 },
    async () => {
      const run = await startFleet({
        redis: { url: inject("redisUrl") },
        apps: 6,
        workers: 2,
        namespace: ns.name,
        clusters: ["east", "west"],
        files: manyConfigMaps,
        // One sync at a time per worker, so a burst of pushes reaches both.
        concurrency: { sync: 1 },
      });
      fleet = run;
      const [first, second] = run.workers as [FleetWorker, FleetWorker];

      // One watcher role per cluster, one per worker (fair share: 2 clusters / 2 workers).
      await waitFor(
        "each worker to hold one cluster's watcher role",
        () => {
          const [a, b] = [rolesOf(first), rolesOf(second)];
          return a.size === 1 && b.size === 1 && [...a][0] !== [...b][0];
        },
        {
          timeoutMs: 60_000,
          describe: () => `${[...rolesOf(first)].join(",")} / ${[...rolesOf(second)].join(",")}`,
        },
      );

      for (let i = 0; i < run.apps.length; i++) await run.push(i);
      await run.allSynced(120_000);
      expect(await jobsCompleted(first)).toBeGreaterThan(0);
      expect(await jobsCompleted(second)).toBeGreaterThan(0);

      // App 0 again: kill whichever worker starts its sync, as soon as it has planned it.
      await run.push(0);
      const revision = run.lastPushed.get("fleet-0");
      let victim: FleetWorker | undefined;
      await waitFor(
        "a worker to plan the sync of fleet-0",
        () => {
          victim = run.workers.find((worker) => logged(worker, "sync planned", "fleet-0", revision));
          return victim !== undefined;
        },
        { timeoutMs: 60_000, intervalMs: 20 },
      );
      const killed = victim as FleetWorker;
      const survivor = killed === first ? second : first;
      const orphaned = [...rolesOf(killed)];
      process.kill(-(killed.process.child.pid ?? 0), "SIGKILL");
      // It died mid-sync: it never reported the sync done.
      expect(logged(killed, "sync succeeded", "fleet-0", revision)).toBe(false);

      await run.allSynced(150_000);
      expect(logged(survivor, "sync succeeded", "fleet-0", revision)).toBe(true);
      await waitFor(
        "the survivor to take over the dead worker's watcher role",
        () => orphaned.every((cluster) => rolesOf(survivor).has(cluster)),
        { timeoutMs: 60_000 },
      );
      expect(rolesOf(survivor)).toEqual(new Set(["east", "west"]));
    },
  );
});
