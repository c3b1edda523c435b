// The chart's Redis modes (issue 17 item 5), rendered by the real helm: bundled by default (one
// Redis with a generated password, the append-only file on, noeviction), an external URL,
// Sentinel and Cluster. Each ferry.yaml is read back by Ferry's own loader with the variables
// the pods get, and the worker HPA scales on the documented queue-depth metric.
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.ts";
import { find, minimalValues, only, template, type KubeObject } from "./helm.ts";
import { deployment, envOf } from "./pods.ts";

const stateKey = { existingSecret: "ferry-state" };

function ferryYaml(objects: KubeObject[]): string {
  return (only(objects, "ConfigMap", "ferry").data as Record<string, string>)["ferry.yaml"] ?? "";
}

/** ferry.yaml as a worker reads it, with its environment filled in as placeholders. */
function workerConfig(objects: KubeObject[]) {
  const env = envOf(deployment(only(objects, "Deployment", "ferry-worker")).container);
  const filled = Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, value.startsWith("from-secret-") ? "secret" : value]),
  );
  return { env, config: parseConfigText(ferryYaml(objects), filled, "ferry.yaml", "worker") };
}

describe("chart Redis modes", () => {
  it("bundles one Redis by default: generated password, AOF on, noeviction, and points Ferry at it", async () => {
    const objects = await template({});
    const redis = only(objects, "StatefulSet", "ferry-redis") as KubeObject & {
      spec: {
        replicas: number;
        volumeClaimTemplates?: unknown[];
        template: { spec: { containers: Array<{ args: string[]; env: Array<{ name: string }> }> } };
      };
    };
    expect(redis.spec.replicas).toBe(1);
    const args = redis.spec.template.spec.containers[0]?.args.join(" ");
    expect(args).toContain("--appendonly yes");
    expect(args).toContain("--maxmemory-policy noeviction");
    expect(args).toContain("--requirepass $(REDIS_PASSWORD)");
    expect(redis.spec.volumeClaimTemplates).toHaveLength(1);
    const password = (only(objects, "Secret", "ferry-redis").data as Record<string, string>)[
      "redis-password"
    ];
    expect(Buffer.from(password ?? "", "base64").toString()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(only(objects, "Service", "ferry-redis")).toBeDefined();

    const { env, config } = workerConfig(objects);
    expect(env.REDIS_URL).toBe("redis://ferry-redis.ferry.svc:6379");
    expect(env.REDIS_PASSWORD).toBe("from-secret-ferry-redis-redis-password");
    expect(config.redis).toMatchObject({ url: "redis://ferry-redis.ferry.svc:6379", password: "secret" });
    // The receiver reaches the same Redis with the same password.
    const receiver = envOf(deployment(only(objects, "Deployment", "ferry-receiver")).container);
    expect(receiver.REDIS_PASSWORD).toBe(env.REDIS_PASSWORD);
    // PodDisruptionBudgets are kept.
    expect(
      find(objects, "PodDisruptionBudget")
        .map((pdb) => pdb.metadata.name)
        .sort(),
    ).toEqual(["ferry-receiver", "ferry-worker"]);
  });

  it("renders no bundled Redis for an external URL", async () => {
    const objects = await template(minimalValues);
    expect(find(objects, "StatefulSet")).toEqual([]);
    expect(workerConfig(objects).config.redis.url).toBe("redis://redis.ferry.svc:6379");
  });

  it("speaks Sentinel: the master's name and the sentinels, with the password for both", async () => {
    const objects = await template({
      stateKey,
      redis: {
        sentinel: { masterName: "ferry", nodes: ["sentinel-0:26379", "sentinel-1:26379"] },
        auth: { existingSecret: "redis-auth" },
      },
    });
    expect(find(objects, "StatefulSet")).toEqual([]);
    const { env, config } = workerConfig(objects);
    expect(env).not.toHaveProperty("REDIS_URL");
    expect(config.redis).toMatchObject({
      sentinel: { masterName: "ferry", nodes: ["sentinel-0:26379", "sentinel-1:26379"], password: "secret" },
      password: "secret",
      prefix: "ferry",
    });
  });

  it("speaks Cluster with a hash-tagged prefix", async () => {
    const objects = await template({
      stateKey,
      redis: { cluster: { nodes: ["redis-0:6379", "redis-1:6379"] }, auth: { existingSecret: "redis-auth" } },
    });
    expect(workerConfig(objects).config.redis).toMatchObject({
      cluster: { nodes: ["redis-0:6379", "redis-1:6379"] },
      prefix: "{ferry}",
    });
  });

  it("scales workers on the waiting jobs of a queue when asked, leaving their replica count to the HPA", async () => {
    const objects = await template({
      ...minimalValues,
      worker: {
        autoscaling: {
          enabled: true,
          minReplicas: 1,
          maxReplicas: 8,
          queue: "sync",
          waitingJobsPerReplica: 3,
        },
      },
    });
    const hpa = only(objects, "HorizontalPodAutoscaler", "ferry-worker").spec as {
      minReplicas: number;
      maxReplicas: number;
      metrics: unknown[];
    };
    expect(hpa).toMatchObject({ minReplicas: 1, maxReplicas: 8 });
    expect(hpa.metrics).toEqual([
      {
        type: "External",
        external: {
          metric: {
            name: "ferry_queue_jobs",
            selector: { matchLabels: { queue: "sync", state: "waiting" } },
          },
          target: { type: "AverageValue", averageValue: "3" },
        },
      },
    ]);
    expect(
      (only(objects, "Deployment", "ferry-worker").spec as { replicas?: number }).replicas,
    ).toBeUndefined();
  });
});
