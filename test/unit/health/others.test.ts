import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../src/kube/types.ts";
import { assessHealth, defaultHealthChecks } from "../../../src/health/registry.ts";
import { worstHealth } from "../../../src/health/types.ts";

function obj(apiVersion: string, kind: string, rest: Record<string, unknown>, name = "x"): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: "shop" }, ...rest };
}

describe("Job health", () => {
  const job = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
    obj("batch/v1", "Job", { spec, status }, "migrate");

  it("is Healthy once Complete", () => {
    const status = {
      startTime: "2025-01-01T10:00:00Z",
      completionTime: "2025-01-01T10:00:05Z",
      succeeded: 1,
      conditions: [
        { type: "SuccessCriteriaMet", status: "True" },
        { type: "Complete", status: "True" },
      ],
    };
    expect(assessHealth(job(status)).status).toBe("Healthy");
  });
  it("is Degraded once Failed", () => {
    const status = {
      failed: 7,
      conditions: [
        { type: "FailureTarget", status: "True", reason: "BackoffLimitExceeded" },
        {
          type: "Failed",
          status: "True",
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit",
        },
      ],
    };
    expect(assessHealth(job(status))).toEqual({
      status: "Degraded",
      message: "Job migrate failed: Job has reached the specified backoff limit",
    });
  });
  it("is Progressing while running, Suspended when suspended", () => {
    expect(assessHealth(job({ active: 1, startTime: "2025-01-01T10:00:00Z" })).status).toBe("Progressing");
    expect(assessHealth(job({}, { suspend: true }))).toEqual({
      status: "Suspended",
      message: "Job migrate is suspended",
    });
  });
});

describe("Pod health", () => {
  const pod = (status: Record<string, unknown>) =>
    obj("v1", "Pod", { spec: { restartPolicy: "Always" }, status }, "web-1");
  const ready = [
    { type: "Initialized", status: "True" },
    { type: "Ready", status: "True" },
    { type: "ContainersReady", status: "True" },
    { type: "PodScheduled", status: "True" },
  ];

  it("is Healthy when Running and Ready, or Succeeded", () => {
    expect(assessHealth(pod({ phase: "Running", conditions: ready })).status).toBe("Healthy");
    expect(assessHealth(pod({ phase: "Succeeded" })).status).toBe("Healthy");
  });
  it("is Progressing when Running but not ready, or Pending", () => {
    const notReady = ready.map((c) => (c.type === "Ready" ? { ...c, status: "False" } : c));
    expect(assessHealth(pod({ phase: "Running", conditions: notReady })).status).toBe("Progressing");
    expect(assessHealth(pod({ phase: "Pending" })).status).toBe("Progressing");
  });
  it("is Degraded when Failed", () => {
    expect(assessHealth(pod({ phase: "Failed", reason: "Evicted", message: "low on memory" }))).toEqual({
      status: "Degraded",
      message: "Pod web-1 failed: low on memory",
    });
  });
  it.each(["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull"])(
    "is Degraded when a container waits in %s",
    (reason) => {
      const status = {
        phase: "Running",
        containerStatuses: [
          {
            name: "app",
            ready: false,
            restartCount: 4,
            state: { waiting: { reason, message: "back-off 40s" } },
          },
        ],
      };
      expect(assessHealth(pod(status))).toEqual({
        status: "Degraded",
        message: `Pod web-1: container app is in ${reason}`,
      });
    },
  );
  it("is not Degraded while a container is merely creating", () => {
    const status = {
      phase: "Pending",
      containerStatuses: [{ name: "app", state: { waiting: { reason: "ContainerCreating" } } }],
    };
    expect(assessHealth(pod(status)).status).toBe("Progressing");
  });
});

describe("PersistentVolumeClaim and Namespace health", () => {
  it("follows the claim's phase", () => {
    const pvc = (phase: string) =>
      obj("v1", "PersistentVolumeClaim", { spec: {}, status: { phase } }, "data");
    expect(assessHealth(pvc("Bound")).status).toBe("Healthy");
    expect(assessHealth(pvc("Pending")).status).toBe("Progressing");
    expect(assessHealth(pvc("Lost")).status).toBe("Degraded");
  });
  it("is Progressing while a namespace terminates", () => {
    const ns = (phase: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "shop" },
      status: { phase },
    });
    expect(assessHealth(ns("Active")).status).toBe("Healthy");
    expect(assessHealth(ns("Terminating")).status).toBe("Progressing");
  });
});

describe("Service and Ingress health", () => {
  it("needs an address only for LoadBalancer services", () => {
    const svc = (type: string, status: Record<string, unknown>) =>
      obj("v1", "Service", { spec: { type }, status }, "web");
    expect(assessHealth(svc("ClusterIP", { loadBalancer: {} })).status).toBe("Healthy");
    expect(assessHealth(svc("LoadBalancer", { loadBalancer: {} })).status).toBe("Progressing");
    expect(
      assessHealth(svc("LoadBalancer", { loadBalancer: { ingress: [{ ip: "203.0.113.7", ipMode: "VIP" }] } }))
        .status,
    ).toBe("Healthy");
  });
  it("needs a published address for an Ingress", () => {
    const ing = (status: Record<string, unknown>) =>
      obj("networking.k8s.io/v1", "Ingress", { spec: { ingressClassName: "nginx" }, status }, "web");
    expect(assessHealth(ing({ loadBalancer: {} })).status).toBe("Progressing");
    expect(assessHealth(ing({ loadBalancer: { ingress: [{ hostname: "lb.example.com" }] } })).status).toBe(
      "Healthy",
    );
  });
});

describe("API extensions", () => {
  const crd = (conditions: unknown[]) =>
    obj(
      "apiextensions.k8s.io/v1",
      "CustomResourceDefinition",
      { spec: {}, status: { conditions } },
      "widgets.example.com",
    );

  it("waits for a CRD to be Established", () => {
    expect(assessHealth(crd([{ type: "NamesAccepted", status: "True" }])).status).toBe("Progressing");
    expect(
      assessHealth(
        crd([
          { type: "NamesAccepted", status: "True", reason: "NoConflicts" },
          { type: "Established", status: "True", reason: "InitialNamesAccepted" },
        ]),
      ).status,
    ).toBe("Healthy");
    expect(
      assessHealth(crd([{ type: "NamesAccepted", status: "False", reason: "ListKindConflict" }])).status,
    ).toBe("Degraded");
  });

  it("follows an APIService's Available condition", () => {
    const api = (conditions: unknown[]) =>
      obj(
        "apiregistration.k8s.io/v1",
        "APIService",
        { spec: {}, status: { conditions } },
        "v1beta1.metrics.k8s.io",
      );
    expect(assessHealth(api([{ type: "Available", status: "True", reason: "Passed" }])).status).toBe(
      "Healthy",
    );
    expect(
      assessHealth(api([{ type: "Available", status: "False", reason: "MissingEndpoints" }])).status,
    ).toBe("Progressing");
    expect(assessHealth(api([])).status).toBe("Progressing");
  });
});

describe("custom resources and everything else", () => {
  const cr = (status?: Record<string, unknown>, generation = 1) => ({
    apiVersion: "example.com/v1",
    kind: "Certificate",
    metadata: { name: "tls", namespace: "shop", generation },
    spec: {},
    ...(status ? { status } : {}),
  });

  it("reads a Ready condition", () => {
    expect(assessHealth(cr({ conditions: [{ type: "Ready", status: "True" }] })).status).toBe("Healthy");
    expect(
      assessHealth(cr({ conditions: [{ type: "Ready", status: "False", message: "issuer not found" }] })),
    ).toEqual({
      status: "Degraded",
      message: "Certificate tls not Ready: issuer not found",
    });
    expect(assessHealth(cr({ conditions: [{ type: "Ready", status: "Unknown" }] })).status).toBe(
      "Progressing",
    );
  });
  it("reads an Available condition when there is no Ready", () => {
    expect(assessHealth(cr({ conditions: [{ type: "Available", status: "False" }] })).status).toBe(
      "Degraded",
    );
  });
  it("is Healthy without status or conditions, unless the generation is not observed", () => {
    expect(assessHealth(cr()).status).toBe("Healthy");
    expect(assessHealth(cr({ observedGeneration: 1, conditions: [] }, 2)).status).toBe("Progressing");
  });
  it("does not judge a custom kind named like a built-in one by the built-in rule", () => {
    const fake = {
      apiVersion: "example.com/v1",
      kind: "Deployment",
      metadata: { name: "d" },
      spec: { replicas: 3 },
    };
    expect(assessHealth(fake).status).toBe("Healthy");
  });
  it("says Healthy for plain kinds, Missing for an absent object, Progressing while deleting", () => {
    expect(
      assessHealth({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: {} }).status,
    ).toBe("Healthy");
    expect(assessHealth(undefined)).toEqual({ status: "Missing" });
    const deleting = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "c", deletionTimestamp: "2025-01-01T00:00:00Z" },
    };
    expect(assessHealth(deleting).status).toBe("Progressing");
  });
  it("counts an object annotated ferry.dev/health: ignore as Healthy", () => {
    const ingress = obj("networking.k8s.io/v1", "Ingress", { spec: {}, status: { loadBalancer: {} } }, "web");
    expect(assessHealth(ingress).status).toBe("Progressing");
    ingress.metadata.annotations = { "ferry.dev/health": "ignore" };
    expect(assessHealth(ingress).status).toBe("Healthy");
  });
  it("lets callers override a check through the registry", () => {
    const checks = defaultHealthChecks();
    checks.set("networking.k8s.io/Ingress", () => ({ status: "Healthy" }));
    expect(assessHealth(obj("networking.k8s.io/v1", "Ingress", { spec: {} }), checks).status).toBe("Healthy");
  });
  it("ranks the app's health by its worst object", () => {
    expect(
      worstHealth([{ status: "Healthy" }, { status: "Missing" }, { status: "Progressing" }]).status,
    ).toBe("Missing");
  });
});
