// Built-in operator rules (src/health/rules/operators.ts), one block per operator, with status
// objects shaped as each operator documents them.
import { describe, expect, it } from "vitest";
import { assessHealth } from "../../../src/health/registry.ts";
import type { HealthStatus } from "../../../src/health/types.ts";
import type { KubeObject } from "../../../src/kube/types.ts";

function cr(
  apiVersion: string,
  kind: string,
  status: unknown,
  spec: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: { name: "x", namespace: "ops", generation: 2 },
    spec,
    ...(status === undefined ? {} : { status }),
  };
}
const cond = (type: string, status: string, reason = "", message = "") => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2026-01-01T00:00:00Z",
});
const statusOf = (object: KubeObject): HealthStatus => assessHealth(object).status;

describe("cert-manager", () => {
  const certificate = (...conditions: unknown[]) =>
    cr("cert-manager.io/v1", "Certificate", { conditions }, { secretName: "tls" });
  it("Certificate: Ready, issuing, failed, and not yet reported", () => {
    expect(
      statusOf(certificate(cond("Ready", "True", "Ready", "Certificate is up to date and has not expired"))),
    ).toBe("Healthy");
    expect(
      statusOf(
        certificate(
          cond("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist"),
          cond("Issuing", "True", "DoesNotExist"),
        ),
      ),
    ).toBe("Progressing");
    const failed = certificate(
      cond("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist"),
      cond(
        "Issuing",
        "False",
        "Failed",
        "The certificate request has failed to complete and will be retried",
      ),
    );
    expect(assessHealth(failed)).toEqual({
      status: "Degraded",
      message: "Certificate x: Issuing certificate as Secret does not exist",
    });
    expect(statusOf(cr("cert-manager.io/v1", "Certificate", undefined))).toBe("Progressing");
  });
  it("Certificate: a Ready condition set for an older generation waits for cert-manager", () => {
    // cert-manager's conditions carry the generation they were set for (no status.observedGeneration).
    const ready = { ...cond("Ready", "True", "Ready", "Certificate is up to date and has not expired") };
    expect(assessHealth(certificate({ ...ready, observedGeneration: 1 }))).toEqual({
      status: "Progressing",
      message: "Certificate x: waiting for generation 2 to be observed",
    });
    expect(statusOf(certificate({ ...ready, observedGeneration: 2 }))).toBe("Healthy");
  });
  it("Issuer, CertificateRequest and ACME Order", () => {
    expect(
      statusOf(
        cr("cert-manager.io/v1", "ClusterIssuer", {
          conditions: [cond("Ready", "False", "ErrRegisterACMEAccount")],
        }),
      ),
    ).toBe("Degraded");
    const request = (...conditions: unknown[]) =>
      cr("cert-manager.io/v1", "CertificateRequest", { conditions });
    expect(statusOf(request(cond("Ready", "False", "Pending", "Waiting on certificate issuance")))).toBe(
      "Progressing",
    );
    expect(statusOf(request(cond("Approved", "True"), cond("Ready", "False", "Failed")))).toBe("Degraded");
    expect(statusOf(request(cond("Denied", "True", "policy.cert-manager.io")))).toBe("Degraded");
    expect(statusOf(request(cond("Ready", "True", "Issued")))).toBe("Healthy");
    const order = (state: string) => cr("acme.cert-manager.io/v1", "Order", { state, reason: "" });
    expect([statusOf(order("pending")), statusOf(order("valid")), statusOf(order("invalid"))]).toEqual([
      "Progressing",
      "Healthy",
      "Degraded",
    ]);
  });
});

describe("Flux", () => {
  const reconciled = {
    observedGeneration: 2,
    conditions: [cond("Ready", "True", "ReconciliationSucceeded")],
  };
  it("source, kustomize, helm and image kinds follow kstatus", () => {
    for (const [apiVersion, kind] of [
      ["source.toolkit.fluxcd.io/v1", "GitRepository"],
      ["kustomize.toolkit.fluxcd.io/v1", "Kustomization"],
      ["helm.toolkit.fluxcd.io/v2", "HelmRelease"],
      ["image.toolkit.fluxcd.io/v1beta2", "ImagePolicy"],
    ] as const) {
      expect(statusOf(cr(apiVersion, kind, reconciled))).toBe("Healthy");
      const progressing = {
        observedGeneration: 2,
        conditions: [cond("Reconciling", "True", "Progressing"), cond("Ready", "Unknown", "Progressing")],
      };
      expect(statusOf(cr(apiVersion, kind, progressing))).toBe("Progressing");
      const stale = { ...reconciled, observedGeneration: 1 };
      expect(statusOf(cr(apiVersion, kind, stale))).toBe("Progressing");
    }
  });
  it("reads Ready=False and Stalled as failed, with the controller's message", () => {
    const failed = {
      observedGeneration: 2,
      conditions: [
        cond("Ready", "False", "InstallFailed", "Helm install failed for release ops/x: timed out"),
      ],
    };
    expect(assessHealth(cr("helm.toolkit.fluxcd.io/v2", "HelmRelease", failed))).toEqual({
      status: "Degraded",
      message: "HelmRelease x: Helm install failed for release ops/x: timed out",
    });
    const stalled = {
      observedGeneration: 2,
      conditions: [cond("Stalled", "True", "InvalidPath", "path not found")],
    };
    expect(statusOf(cr("kustomize.toolkit.fluxcd.io/v1", "Kustomization", stalled))).toBe("Degraded");
  });
  it("is Suspended with spec.suspend, even before the controller saw the change", () => {
    const object = cr(
      "kustomize.toolkit.fluxcd.io/v1",
      "Kustomization",
      { ...reconciled, observedGeneration: 1 },
      {
        suspend: true,
      },
    );
    expect(statusOf(object)).toBe("Suspended");
  });
  it("accepts an OCI HelmRepository, which carries no Ready condition", () => {
    expect(
      statusOf(
        cr("source.toolkit.fluxcd.io/v1", "HelmRepository", { observedGeneration: 2 }, { type: "oci" }),
      ),
    ).toBe("Healthy");
    expect(statusOf(cr("source.toolkit.fluxcd.io/v1", "HelmRepository", { observedGeneration: 2 }, {}))).toBe(
      "Progressing",
    );
  });
});

describe("Argo Rollouts", () => {
  const rollout = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
    cr("argoproj.io/v1alpha1", "Rollout", { observedGeneration: "2", ...status }, spec);
  it("follows status.phase and treats a pause as Suspended", () => {
    expect(statusOf(rollout({ phase: "Healthy" }))).toBe("Healthy");
    expect(statusOf(rollout({ phase: "Progressing", message: "more replicas need to be updated" }))).toBe(
      "Progressing",
    );
    expect(statusOf(rollout({ phase: "Paused", pauseConditions: [{ reason: "CanaryPauseStep" }] }))).toBe(
      "Suspended",
    );
    expect(statusOf(rollout({ phase: "Healthy" }, { paused: true }))).toBe("Suspended");
    expect(statusOf(rollout({ phase: "Healthy", observedGeneration: "1" }))).toBe("Progressing");
  });
  it("is Degraded when aborted", () => {
    const aborted = rollout({
      phase: "Degraded",
      abort: true,
      message: "RolloutAborted: metric error-rate failed",
    });
    expect(assessHealth(aborted)).toEqual({
      status: "Degraded",
      message: "Rollout x: RolloutAborted: metric error-rate failed",
    });
  });
  it("AnalysisRun phases", () => {
    const run = (phase: string) => cr("argoproj.io/v1alpha1", "AnalysisRun", { phase });
    expect(["Running", "Successful", "Failed", "Error", "Inconclusive"].map((p) => statusOf(run(p)))).toEqual(
      ["Progressing", "Healthy", "Degraded", "Degraded", "Suspended"],
    );
  });
});

describe("Crossplane", () => {
  const managed = (...conditions: unknown[]) =>
    cr("ec2.aws.upbound.io/v1beta1", "VPC", { conditions }, { forProvider: { region: "eu-west-1" } });
  it("managed resources need Ready and Synced", () => {
    expect(
      statusOf(managed(cond("Ready", "True", "Available"), cond("Synced", "True", "ReconcileSuccess"))),
    ).toBe("Healthy");
    expect(
      statusOf(managed(cond("Ready", "False", "Creating"), cond("Synced", "True", "ReconcileSuccess"))),
    ).toBe("Progressing");
    const error = managed(cond("Synced", "False", "ReconcileError", "cannot get referenced ProviderConfig"));
    expect(assessHealth(error)).toEqual({
      status: "Degraded",
      message: "VPC x: cannot get referenced ProviderConfig",
    });
    expect(statusOf(managed())).toBe("Progressing");
  });
  it("covers managed resources of crossplane.io provider groups, but not compositions", () => {
    const rds = cr("database.aws.crossplane.io/v1beta1", "RDSInstance", {
      conditions: [cond("Ready", "False", "Unavailable")],
    });
    expect(statusOf(rds)).toBe("Degraded");
    expect(statusOf(cr("apiextensions.crossplane.io/v1", "Composition", undefined))).toBe("Healthy");
  });
  it("packages need Installed and Healthy; composites in any group report Synced=False as failed", () => {
    const provider = (...conditions: unknown[]) => cr("pkg.crossplane.io/v1", "Provider", { conditions });
    expect(
      statusOf(
        provider(
          cond("Installed", "True", "ActivePackageRevision"),
          cond("Healthy", "True", "HealthyPackageRevision"),
        ),
      ),
    ).toBe("Healthy");
    expect(
      statusOf(
        provider(
          cond("Installed", "True", "ActivePackageRevision"),
          cond("Healthy", "False", "UnhealthyPackageRevision"),
        ),
      ),
    ).toBe("Degraded");
    const claim = cr("example.org/v1alpha1", "Database", {
      conditions: [cond("Synced", "False", "ReconcileError")],
    });
    expect(statusOf(claim)).toBe("Degraded");
  });
});

describe("External Secrets", () => {
  it("ExternalSecret and SecretStore follow Ready", () => {
    const es = (...conditions: unknown[]) =>
      cr("external-secrets.io/v1", "ExternalSecret", { refreshTime: null, conditions });
    expect(statusOf(es(cond("Ready", "True", "SecretSynced", "secret synced")))).toBe("Healthy");
    expect(
      assessHealth(
        es(cond("Ready", "False", "SecretSyncedError", "could not get secret data from provider")),
      ),
    ).toEqual({
      status: "Degraded",
      message: "ExternalSecret x: could not get secret data from provider",
    });
    expect(statusOf(es())).toBe("Progressing");
    expect(
      statusOf(
        cr("external-secrets.io/v1", "ClusterSecretStore", {
          conditions: [cond("Ready", "False", "InvalidProviderConfig")],
        }),
      ),
    ).toBe("Degraded");
  });
});

describe("CloudNativePG", () => {
  const cluster = (status: Record<string, unknown>) =>
    cr("postgresql.cnpg.io/v1", "Cluster", status, { instances: 3 });
  it("Cluster phases, readiness and hibernation", () => {
    expect(
      statusOf(
        cluster({ phase: "Cluster in healthy state", conditions: [cond("Ready", "True", "ClusterIsReady")] }),
      ),
    ).toBe("Healthy");
    expect(
      statusOf(
        cluster({ phase: "Setting up primary", conditions: [cond("Ready", "False", "ClusterIsNotReady")] }),
      ),
    ).toBe("Progressing");
    expect(
      statusOf(
        cluster({ phase: "Unable to create required cluster objects", phaseReason: "quota exceeded" }),
      ),
    ).toBe("Degraded");
    expect(
      statusOf(
        cluster({
          phase: "Cluster in healthy state",
          conditions: [cond("cnpg.io/hibernation", "True", "Hibernated")],
        }),
      ),
    ).toBe("Suspended");
  });
  it("Backup, ScheduledBackup and Database", () => {
    const backup = (phase: string) => cr("postgresql.cnpg.io/v1", "Backup", { phase });
    expect(["running", "completed", "failed"].map((p) => statusOf(backup(p)))).toEqual([
      "Progressing",
      "Healthy",
      "Degraded",
    ]);
    expect(statusOf(cr("postgresql.cnpg.io/v1", "ScheduledBackup", {}, { suspend: true }))).toBe("Suspended");
    expect(
      statusOf(cr("postgresql.cnpg.io/v1", "Database", { applied: false, message: "role missing" })),
    ).toBe("Degraded");
  });
});

describe("Strimzi", () => {
  const kafka = (...conditions: unknown[]) =>
    cr("kafka.strimzi.io/v1beta2", "Kafka", { observedGeneration: 2, conditions });
  it("Kafka, topics and users follow Ready / NotReady", () => {
    expect(statusOf(kafka(cond("Ready", "True"), cond("Warning", "True", "KafkaStorage")))).toBe("Healthy");
    expect(statusOf(kafka(cond("NotReady", "True", "Creating", "Kafka cluster is being deployed")))).toBe(
      "Progressing",
    );
    expect(
      statusOf(kafka(cond("NotReady", "True", "InvalidResourceException", "replicas must be positive"))),
    ).toBe("Degraded");
    const topic = cr("kafka.strimzi.io/v1beta2", "KafkaTopic", {
      observedGeneration: 2,
      conditions: [cond("Ready", "False", "KafkaError")],
    });
    expect(statusOf(topic)).toBe("Degraded");
  });
  it("paused reconciliation and stopped connectors are Suspended; rebalances wait for a proposal", () => {
    expect(statusOf(kafka(cond("ReconciliationPaused", "True")))).toBe("Suspended");
    const connector = cr(
      "kafka.strimzi.io/v1beta2",
      "KafkaConnector",
      { observedGeneration: 2 },
      { state: "stopped" },
    );
    expect(statusOf(connector)).toBe("Suspended");
    const rebalance = (type: string) =>
      cr("kafka.strimzi.io/v1beta2", "KafkaRebalance", { conditions: [cond(type, "True")] });
    expect(
      ["PendingProposal", "ProposalReady", "Rebalancing", "Ready", "NotReady"].map((t) =>
        statusOf(rebalance(t)),
      ),
    ).toEqual(["Progressing", "Healthy", "Progressing", "Healthy", "Degraded"]);
  });
});

describe("Gateway API", () => {
  it("Gateway needs Accepted and Programmed", () => {
    const gateway = (...conditions: unknown[]) =>
      cr("gateway.networking.k8s.io/v1", "Gateway", { conditions });
    expect(
      statusOf(gateway(cond("Accepted", "True", "Accepted"), cond("Programmed", "True", "Programmed"))),
    ).toBe("Healthy");
    expect(
      statusOf(gateway(cond("Accepted", "Unknown", "Pending"), cond("Programmed", "Unknown", "Pending"))),
    ).toBe("Progressing");
    expect(
      statusOf(
        gateway(cond("Accepted", "False", "InvalidParameters"), cond("Programmed", "False", "Invalid")),
      ),
    ).toBe("Degraded");
    expect(
      statusOf(
        cr("gateway.networking.k8s.io/v1", "GatewayClass", {
          conditions: [cond("Accepted", "True", "Accepted")],
        }),
      ),
    ).toBe("Healthy");
  });
  it("routes need every parent to accept them and resolve their references", () => {
    const parent = (...conditions: unknown[]) => ({
      parentRef: { name: "gw" },
      controllerName: "example.net/gateway-controller",
      conditions,
    });
    const route = (...parents: unknown[]) => cr("gateway.networking.k8s.io/v1", "HTTPRoute", { parents });
    const ok = parent(cond("Accepted", "True", "Accepted"), cond("ResolvedRefs", "True", "ResolvedRefs"));
    expect(statusOf(route(ok))).toBe("Healthy");
    expect(statusOf(route())).toBe("Progressing");
    const refused = parent(
      cond("Accepted", "True", "Accepted"),
      cond("ResolvedRefs", "False", "BackendNotFound"),
    );
    expect(statusOf(route(ok, refused))).toBe("Degraded");
  });
});

describe("Knative", () => {
  it("Services, Brokers and others follow Ready (Unknown while reconciling)", () => {
    const ksvc = (...conditions: unknown[]) =>
      cr("serving.knative.dev/v1", "Service", { observedGeneration: 2, conditions });
    expect(
      statusOf(ksvc(cond("ConfigurationsReady", "True"), cond("Ready", "True"), cond("RoutesReady", "True"))),
    ).toBe("Healthy");
    expect(statusOf(ksvc(cond("Ready", "Unknown", "RevisionMissing")))).toBe("Progressing");
    expect(
      assessHealth(
        ksvc(
          cond("Ready", "False", "RevisionFailed", 'Revision "x-00001" failed with message: image not found'),
        ),
      ),
    ).toMatchObject({ status: "Degraded", message: expect.stringContaining("image not found") as unknown });
    expect(
      statusOf(
        cr("eventing.knative.dev/v1", "Broker", {
          observedGeneration: 2,
          conditions: [cond("Ready", "True")],
        }),
      ),
    ).toBe("Healthy");
  });
});

describe("Istio", () => {
  it("configuration is Healthy unless istiod reports an ERROR validation message", () => {
    const vs = (status: unknown) => cr("networking.istio.io/v1", "VirtualService", status);
    expect(statusOf(vs(undefined))).toBe("Healthy");
    expect(
      statusOf(
        vs({
          validationMessages: [
            {
              type: { code: "IST0101", name: "ReferencedResourceNotFound" },
              level: "ERROR",
              documentation: { url: "https://istio.io/latest/docs/reference/config/analysis/ist0101/" },
            },
          ],
        }),
      ),
    ).toBe("Degraded");
    expect(statusOf(vs({ validationMessages: [{ level: "WARNING" }] }))).toBe("Healthy");
  });
  it("IstioOperator follows status.status", () => {
    const operator = (status: string) => cr("install.istio.io/v1alpha1", "IstioOperator", { status });
    expect(["HEALTHY", "RECONCILING", "ERROR"].map((s) => statusOf(operator(s)))).toEqual([
      "Healthy",
      "Progressing",
      "Degraded",
    ]);
  });
});

describe("Prometheus operator", () => {
  const prometheus = (...conditions: unknown[]) =>
    cr("monitoring.coreos.com/v1", "Prometheus", { conditions }, { replicas: 2 });
  it("Prometheus: Available, a rollout's Degraded availability, and Reconciled=False", () => {
    expect(statusOf(prometheus(cond("Available", "True"), cond("Reconciled", "True")))).toBe("Healthy");
    expect(
      statusOf(prometheus(cond("Available", "Degraded", "SomePodsNotReady"), cond("Reconciled", "True"))),
    ).toBe("Progressing");
    expect(
      statusOf(
        prometheus(
          cond("Available", "True"),
          cond("Reconciled", "False", "ReconciliationFailed", "invalid remote write config"),
        ),
      ),
    ).toBe("Degraded");
    expect(statusOf(cr("monitoring.coreos.com/v1", "Alertmanager", {}, { paused: true }))).toBe("Suspended");
  });
  it("ServiceMonitor is Degraded when a Prometheus rejected it", () => {
    const monitor = (status: unknown) => cr("monitoring.coreos.com/v1", "ServiceMonitor", status);
    expect(statusOf(monitor(undefined))).toBe("Healthy");
    const rejected = {
      bindings: [
        {
          name: "k8s",
          resource: "prometheuses",
          conditions: [cond("Accepted", "False", "InvalidConfiguration")],
        },
      ],
    };
    expect(statusOf(monitor(rejected))).toBe("Degraded");
  });
});

describe("KEDA", () => {
  it("ScaledObject follows Ready and is Suspended when paused", () => {
    const scaled = (...conditions: unknown[]) => cr("keda.sh/v1alpha1", "ScaledObject", { conditions });
    expect(
      statusOf(
        scaled(cond("Ready", "True", "ScaledObjectReady"), cond("Active", "False", "ScalerNotActive")),
      ),
    ).toBe("Healthy");
    expect(
      statusOf(
        scaled(
          cond(
            "Ready",
            "False",
            "ScaledObjectCheckFailed",
            "ScaledObject doesn't have correct scaleTargetRef specification",
          ),
        ),
      ),
    ).toBe("Degraded");
    expect(statusOf(scaled(cond("Ready", "True"), cond("Paused", "True", "ScaledObjectPaused")))).toBe(
      "Suspended",
    );
  });
});

describe("Velero", () => {
  it("Backup, Schedule and BackupStorageLocation phases", () => {
    const backup = (phase: string) => cr("velero.io/v1", "Backup", { phase });
    expect(
      ["InProgress", "Completed", "PartiallyFailed", "FailedValidation"].map((p) => statusOf(backup(p))),
    ).toEqual(["Progressing", "Healthy", "Degraded", "Degraded"]);
    expect(statusOf(cr("velero.io/v1", "Schedule", { phase: "Enabled" }, { paused: true }))).toBe(
      "Suspended",
    );
    expect(statusOf(cr("velero.io/v1", "Schedule", { phase: "Enabled" }))).toBe("Healthy");
    expect(
      statusOf(
        cr("velero.io/v1", "BackupStorageLocation", { phase: "Unavailable", message: "bucket not found" }),
      ),
    ).toBe("Degraded");
  });
});

describe("Cluster API", () => {
  const cluster = (status: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
    cr("cluster.x-k8s.io/v1beta1", "Cluster", { observedGeneration: 2, ...status }, spec);
  it("Cluster: provisioning, ready (v1beta1) or available (v1beta2), failed, paused", () => {
    expect(
      statusOf(
        cluster({ phase: "Provisioning", conditions: [cond("Ready", "False", "WaitingForControlPlane")] }),
      ),
    ).toBe("Progressing");
    expect(statusOf(cluster({ phase: "Provisioned", conditions: [cond("Ready", "True")] }))).toBe("Healthy");
    expect(
      statusOf(
        cluster({ phase: "Provisioned", conditions: [cond("Available", "True"), cond("Ready", "False")] }),
      ),
    ).toBe("Healthy");
    expect(statusOf(cluster({ phase: "Failed", failureReason: "InvalidConfiguration" }))).toBe("Degraded");
    expect(statusOf(cluster({ phase: "Provisioned" }, { paused: true }))).toBe("Suspended");
  });
  it("MachineDeployment and KubeadmControlPlane", () => {
    const md = cr("cluster.x-k8s.io/v1beta1", "MachineDeployment", {
      observedGeneration: 2,
      phase: "ScalingUp",
      conditions: [cond("Ready", "False")],
    });
    expect(statusOf(md)).toBe("Progressing");
    const kcp = cr("controlplane.cluster.x-k8s.io/v1beta1", "KubeadmControlPlane", {
      observedGeneration: 2,
      conditions: [cond("Ready", "True")],
    });
    expect(statusOf(kcp)).toBe("Healthy");
  });
});
