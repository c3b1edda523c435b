import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/kube/types.ts";
import { assessHealth } from "../../../src/health/registry.ts";

function deployment(
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  generation = 3,
): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop", generation },
    spec,
    status,
  };
}

const rolledOut = {
  observedGeneration: 3,
  replicas: 2,
  updatedReplicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
  conditions: [
    { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
    { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
  ],
};

describe("Deployment health", () => {
  it("is Healthy when every replica is updated and available", () => {
    expect(assessHealth(deployment({ replicas: 2 }, rolledOut))).toEqual({ status: "Healthy" });
  });

  it("waits for the controller to observe the new generation", () => {
    const health = assessHealth(deployment({ replicas: 2 }, rolledOut, 4));
    expect(health.status).toBe("Progressing");
    expect(health.message).toMatch(/observed/);
  });

  it("is Progressing while replicas are being updated", () => {
    const status = { ...rolledOut, replicas: 3, updatedReplicas: 1, availableReplicas: 2 };
    expect(assessHealth(deployment({ replicas: 2 }, status))).toMatchObject({
      status: "Progressing",
      message: "Deployment web: 1 of 2 replicas updated",
    });
  });

  it("is Progressing while old replicas are still terminating", () => {
    const status = { ...rolledOut, replicas: 3 };
    expect(assessHealth(deployment({ replicas: 2 }, status)).message).toMatch(/1 old replicas pending/);
  });

  it("is Progressing while updated replicas are not available", () => {
    const status = { ...rolledOut, availableReplicas: 1 };
    expect(assessHealth(deployment({ replicas: 2 }, status)).message).toMatch(
      /1 of 2 updated replicas available/,
    );
  });

  it("is Degraded when the progress deadline is exceeded", () => {
    const status = {
      ...rolledOut,
      updatedReplicas: 1,
      conditions: [
        { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
        {
          type: "Progressing",
          status: "False",
          reason: "ProgressDeadlineExceeded",
          message: 'ReplicaSet "web-5d9c" has timed out progressing.',
        },
      ],
    };
    expect(assessHealth(deployment({ replicas: 2 }, status))).toMatchObject({ status: "Degraded" });
  });

  it("is Suspended with a message when paused, even mid-rollout", () => {
    const midRollout = { ...rolledOut, observedGeneration: 2, updatedReplicas: 1 };
    expect(assessHealth(deployment({ replicas: 2, paused: true }, midRollout))).toEqual({
      status: "Suspended",
      message: "Deployment web is paused",
    });
  });

  it("defaults spec.replicas to 1 and treats a scaled-to-zero Deployment as Healthy", () => {
    expect(
      assessHealth(deployment({}, { ...rolledOut, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }))
        .status,
    ).toBe("Healthy");
    expect(assessHealth(deployment({ replicas: 0 }, { observedGeneration: 3 })).status).toBe("Healthy");
  });

  it("is Unknown when the status is malformed", () => {
    expect(assessHealth(deployment({ replicas: 2 }, { ...rolledOut, replicas: "two" })).status).toBe(
      "Unknown",
    );
  });
});

describe("StatefulSet health", () => {
  const sts = (spec: Record<string, unknown>, status: Record<string, unknown>): KubeObject => ({
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db", generation: 2 },
    spec,
    status,
  });
  const done = {
    observedGeneration: 2,
    replicas: 3,
    readyReplicas: 3,
    currentReplicas: 3,
    updatedReplicas: 3,
    currentRevision: "db-7c9",
    updateRevision: "db-7c9",
  };

  it("is Healthy when all pods are ready on the current revision", () => {
    expect(assessHealth(sts({ replicas: 3 }, done)).status).toBe("Healthy");
  });
  it("is Progressing when pods are not ready", () => {
    expect(assessHealth(sts({ replicas: 3 }, { ...done, readyReplicas: 1 })).message).toBe(
      "StatefulSet db: 1 of 3 pods ready",
    );
  });
  it("is Progressing while a new revision rolls out", () => {
    expect(assessHealth(sts({ replicas: 3 }, { ...done, updateRevision: "db-8aa" })).status).toBe(
      "Progressing",
    );
  });
  it("only expects pods above the partition to update", () => {
    const spec = { replicas: 3, updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 2 } } };
    const status = { ...done, updateRevision: "db-8aa", updatedReplicas: 1 };
    expect(assessHealth(sts(spec, status)).status).toBe("Healthy");
    expect(assessHealth(sts(spec, { ...status, updatedReplicas: 0 })).status).toBe("Progressing");
  });
  it("does not wait for a rollout with OnDelete", () => {
    const spec = { replicas: 3, updateStrategy: { type: "OnDelete" } };
    expect(assessHealth(sts(spec, { ...done, updateRevision: "db-8aa" })).status).toBe("Healthy");
  });
  it("waits for the new generation", () => {
    expect(assessHealth(sts({ replicas: 3 }, { ...done, observedGeneration: 1 })).status).toBe("Progressing");
  });
});

describe("DaemonSet health", () => {
  const ds = (status: Record<string, unknown>, strategy = "RollingUpdate"): KubeObject => ({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "agent", generation: 5 },
    spec: { updateStrategy: { type: strategy } },
    status,
  });
  const done = {
    observedGeneration: 5,
    desiredNumberScheduled: 4,
    currentNumberScheduled: 4,
    updatedNumberScheduled: 4,
    numberReady: 4,
    numberAvailable: 4,
  };

  it("is Healthy when every node runs an available updated pod", () => {
    expect(assessHealth(ds(done)).status).toBe("Healthy");
  });
  it("is Progressing while nodes are updated", () => {
    expect(assessHealth(ds({ ...done, updatedNumberScheduled: 2 })).message).toBe(
      "DaemonSet agent: 2 of 4 nodes updated",
    );
  });
  it("ignores updates with OnDelete but still needs available pods", () => {
    expect(assessHealth(ds({ ...done, updatedNumberScheduled: 2 }, "OnDelete")).status).toBe("Healthy");
    expect(assessHealth(ds({ ...done, numberAvailable: 3 }, "OnDelete")).status).toBe("Progressing");
  });
  it("waits for the new generation", () => {
    expect(assessHealth(ds({ ...done, observedGeneration: 4 })).status).toBe("Progressing");
  });
});

describe("ReplicaSet health", () => {
  const rs = (status: Record<string, unknown>): KubeObject => ({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: "web-5d9c", generation: 1 },
    spec: { replicas: 2 },
    status,
  });

  it("is Healthy when all replicas are available", () => {
    expect(assessHealth(rs({ observedGeneration: 1, replicas: 2, availableReplicas: 2 })).status).toBe(
      "Healthy",
    );
  });
  it("is Progressing while replicas come up", () => {
    expect(assessHealth(rs({ observedGeneration: 1, replicas: 2, availableReplicas: 1 })).status).toBe(
      "Progressing",
    );
  });
  it("is Degraded on ReplicaFailure", () => {
    const status = {
      observedGeneration: 1,
      replicas: 0,
      conditions: [
        {
          type: "ReplicaFailure",
          status: "True",
          reason: "FailedCreate",
          message: 'pods "web-5d9c-x" is forbidden: exceeded quota',
        },
      ],
    };
    expect(assessHealth(rs(status))).toMatchObject({
      status: "Degraded",
      message: expect.stringMatching(/exceeded quota/) as string,
    });
  });
});
