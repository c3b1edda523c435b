// Ferry's built-in health rules for widely used operators: data, compiled by the same code as
// the user's rules (compile.ts), each written from the operator's documented status. A rule
// applies to `apiVersion` `group/*` (every version) and the kinds listed; a group starting with
// `*.` covers its subdomains. Exact kinds win over `*`, and a user rule over a built-in.
//
// Shorthands below are CEL text, pasted into the expressions.
import type { HealthRule } from "./compile.ts";

type RuleBody = Omit<HealthRule, "apiVersion" | "kind">;

// `conditions` entries always have status, reason and message (cel.ts), so only the presence
// of the type needs a test: these stay false, not an error, when the condition is absent.
const is = (type: string, status: string) =>
  `("${type}" in conditions && conditions["${type}"].status == "${status}")`;
const reasonIn = (type: string, reasons: string[]) =>
  `("${type}" in conditions && conditions["${type}"].reason in [${reasons.map((reason) => `"${reason}"`).join(", ")}])`;
const phaseIn = (field: string, phases: string[]) =>
  `${field} in [${phases.map((phase) => `"${phase}"`).join(", ")}]`;
const readyMessage = "{{ conditions.Ready.message }}";

/** kstatus as the Flux, Knative, External Secrets and KEDA controllers write it. */
const kstatus: RuleBody = {
  inProgress: `${is("Reconciling", "True")} || ${is("Ready", "Unknown")}`,
  failed: `${is("Stalled", "True")} || ${is("Ready", "False")}`,
  current: is("Ready", "True"),
};

function rules(group: string, kinds: string[], body: RuleBody): HealthRule[] {
  return kinds.map((kind) => ({ apiVersion: `${group}/*`, kind, ...body }));
}

const certManager: HealthRule[] = [
  // A Certificate being (re-)issued has Issuing=True while Ready may still be False.
  ...rules("cert-manager.io", ["Certificate"], {
    inProgress: is("Issuing", "True"),
    failed: is("Ready", "False"),
    current: is("Ready", "True"),
  }),
  ...rules("cert-manager.io", ["Issuer", "ClusterIssuer"], {
    failed: is("Ready", "False"),
    current: is("Ready", "True"),
  }),
  ...rules("cert-manager.io", ["CertificateRequest"], {
    failed: `${is("InvalidRequest", "True")} || ${is("Denied", "True")} || (${is("Ready", "False")} && ${reasonIn("Ready", ["Failed", "Denied"])})`,
    current: is("Ready", "True"),
  }),
  ...rules("acme.cert-manager.io", ["Order", "Challenge"], {
    failed: phaseIn("status.state", ["invalid", "expired", "errored"]),
    current: `status.state == "valid"`,
    message: "{{ status.reason }}",
  }),
];

/**
 * Flux's kstatus, where Ready=False with reason DependencyNotReady is a wait, not a failure: the
 * controller retries at a fixed interval until the objects in `spec.dependsOn` are ready.
 */
const fluxStatus: RuleBody = {
  suspended: "spec.suspend == true",
  ...kstatus,
  inProgress: `${kstatus.inProgress} || (${is("Ready", "False")} && ${reasonIn("Ready", ["DependencyNotReady"])})`,
};
const flux: HealthRule[] = [
  // Every Flux kind (source, kustomize, helm, image, notification) follows kstatus and can be
  // suspended.
  { apiVersion: "*.toolkit.fluxcd.io/*", kind: "*", ...fluxStatus },
  // Objects Flux does not reconcile carry no Ready condition: their existence means ready.
  // HelmRepositories of type oci, and (notification v1beta3) Alerts and Providers, which
  // became static objects without status.
  ...rules("source.toolkit.fluxcd.io", ["HelmRepository"], {
    ...fluxStatus,
    current: `${is("Ready", "True")} || spec.type == "oci"`,
  }),
  ...rules("notification.toolkit.fluxcd.io", ["Alert", "Provider"], {
    ...fluxStatus,
    current: `${is("Ready", "True")} || !("Ready" in conditions)`,
  }),
];

const argo: HealthRule[] = [
  // A Rollout paused by a canary step or by hand waits for a person: Suspended, as in Argo CD.
  ...rules("argoproj.io", ["Rollout"], {
    suspended: `spec.paused == true || status.phase == "Paused" || size(status.pauseConditions) > 0`,
    failed: `status.abort == true || status.phase == "Degraded"`,
    inProgress: `status.phase == "Progressing"`,
    current: `status.phase == "Healthy"`,
    message: "{{ status.message }}",
  }),
  ...rules("argoproj.io", ["AnalysisRun", "Experiment"], {
    suspended: `status.phase == "Inconclusive"`,
    failed: phaseIn("status.phase", ["Failed", "Error"]),
    inProgress: phaseIn("status.phase", ["Pending", "Running"]),
    current: `status.phase == "Successful"`,
    message: "{{ status.message }}",
  }),
  // Argo CD Applications report their own health in Ferry's vocabulary.
  ...rules("argoproj.io", ["Application"], {
    suspended: `status.health.status == "Suspended"`,
    failed: `status.health.status == "Degraded"`,
    inProgress: phaseIn("status.health.status", ["Progressing", "Missing"]),
    current: `status.health.status == "Healthy"`,
    message: "{{ status.health.message }}",
  }),
];

/** Synced=False with this reason is the `crossplane.io/paused` annotation at work. */
const crossplanePaused = `${is("Synced", "False")} && ${reasonIn("Synced", ["ReconcilePaused"])}`;
/**
 * Crossplane managed resources: Synced (the provider could talk to the API) and Ready. Providers
 * built on Terraform (Upjet) report a failed asynchronous create or update in
 * LastAsyncOperation=False while Synced stays True.
 */
const crossplaneManaged: RuleBody = {
  suspended: crossplanePaused,
  failed: `${is("Synced", "False")} || ${is("LastAsyncOperation", "False")} || (${is("Ready", "False")} && ${reasonIn("Ready", ["Unavailable"])})`,
  inProgress: `${is("Ready", "False")} && ${reasonIn("Ready", ["Creating", "Deleting"])} && !(${is("LastAsyncOperation", "False")})`,
  current: `${is("Ready", "True")} && !(${is("Synced", "False")})`,
};
/** A provider's configuration objects have no Ready condition: nothing to wait for. */
const providerConfigKinds = [
  "ProviderConfig",
  "ClusterProviderConfig",
  "ProviderConfigUsage",
  "ClusterProviderConfigUsage",
];
const crossplaneProviderConfig: RuleBody = { failed: is("Synced", "False"), current: "true" };
const crossplane: HealthRule[] = [
  { apiVersion: "*.upbound.io/*", kind: "*", ...crossplaneManaged },
  { apiVersion: "*.crossplane.io/*", kind: "*", ...crossplaneManaged },
  ...rules("*.upbound.io", providerConfigKinds, crossplaneProviderConfig),
  ...rules("*.crossplane.io", providerConfigKinds, crossplaneProviderConfig),
  ...rules("pkg.crossplane.io", ["Provider", "Configuration", "Function"], {
    failed: `${is("Installed", "False")} && !(${reasonIn("Installed", ["UnpackingPackage", "InstallingPackage"])}) || (${is("Healthy", "False")} && ${reasonIn("Healthy", ["UnhealthyPackageRevision"])})`,
    current: `${is("Installed", "True")} && ${is("Healthy", "True")}`,
  }),
  ...rules("apiextensions.crossplane.io", ["CompositeResourceDefinition"], {
    failed: is("Established", "False") + ` && !(${reasonIn("Established", ["WatchingCompositeResource"])})`,
    current: `${is("Established", "True")} && !(${is("Offered", "False")})`,
  }),
];

const externalSecrets: HealthRule[] = [
  ...rules("external-secrets.io", ["ExternalSecret", "SecretStore", "ClusterSecretStore", "PushSecret"], {
    ...kstatus,
    message: readyMessage,
  }),
  // A ClusterExternalSecret lists the namespaces it could not provision; older versions say so
  // with NotReady or PartiallyReady conditions instead of Ready=False.
  ...rules("external-secrets.io", ["ClusterExternalSecret"], {
    ...kstatus,
    failed: `${kstatus.failed} || size(status.failedNamespaces) > 0 || ${is("NotReady", "True")} || ${is("PartiallyReady", "True")}`,
    message: `{{ has(status.failedNamespaces) ? status.failedNamespaces.map(f, f.namespace + ": " + f.reason).join("; ") : conditions.Ready.message }}`,
  }),
];

const cloudNativePG: HealthRule[] = [
  // Hibernation (annotation cnpg.io/hibernation: on) stops every instance on purpose, and a
  // supervised primary update waits for a person to switch over (as a paused Rollout does).
  ...rules("postgresql.cnpg.io", ["Cluster"], {
    suspended: `${is("cnpg.io/hibernation", "True")} || status.phase == "Waiting for user action"`,
    // The phases in which the operator stops reconciling until someone intervenes.
    failed: phaseIn("status.phase", [
      "Unable to create required cluster objects",
      "Cluster is unrecoverable and needs manual intervention",
      "Cluster is in an unrecoverable state, needs manual intervention",
      "Cluster cannot proceed to reconciliation due to an unknown plugin being required",
      "Cluster cannot proceed to reconciliation due to an error while interacting with plugins",
      "Cluster has incomplete or invalid image catalog",
      "Cluster cannot execute instance online upgrade due to missing architecture binary",
    ]),
    current: `status.phase == "Cluster in healthy state" && !(${is("Ready", "False")})`,
    message: "{{ status.phase }}{{ status.phaseReason == null ? '' : ': ' + status.phaseReason }}",
  }),
  ...rules("postgresql.cnpg.io", ["Backup"], {
    // walArchivingFailing: the backup cannot complete because WAL archiving does not work.
    failed: phaseIn("status.phase", ["failed", "walArchivingFailing"]),
    current: `status.phase == "completed"`,
    message: "{{ status.error }}",
  }),
  ...rules("postgresql.cnpg.io", ["ScheduledBackup"], { suspended: "spec.suspend == true", current: "true" }),
  ...rules("postgresql.cnpg.io", ["Database", "Publication", "Subscription"], {
    failed: "status.applied == false",
    current: "status.applied == true",
    message: "{{ status.message }}",
  }),
];

const strimzi: HealthRule[] = [
  // The annotation strimzi.io/pause-reconciliation shows as ReconciliationPaused; connectors
  // can be stopped or paused through spec.state.
  ...rules(
    "kafka.strimzi.io",
    [
      "Kafka",
      "KafkaConnect",
      "KafkaMirrorMaker2",
      "KafkaMirrorMaker",
      "KafkaBridge",
      "KafkaTopic",
      "KafkaUser",
      "KafkaConnector",
    ],
    {
      // spec.pause is the older form of spec.state: paused on connectors.
      suspended: `${is("ReconciliationPaused", "True")} || spec.state in ["paused", "stopped"] || spec.pause == true`,
      failed: `${is("Ready", "False")} || (${is("NotReady", "True")} && !(${reasonIn("NotReady", ["Creating"])}))`,
      current: is("Ready", "True"),
      message: "{{ conditions.NotReady.message }}{{ conditions.Ready.message }}",
    },
  ),
  // A rebalance is done when its proposal is ready (to approve) or it ran.
  ...rules("kafka.strimzi.io", ["KafkaRebalance"], {
    suspended: `${is("ReconciliationPaused", "True")} || ${is("Stopped", "True")}`,
    failed: is("NotReady", "True"),
    inProgress: `${is("PendingProposal", "True")} || ${is("Rebalancing", "True")}`,
    current: `${is("ProposalReady", "True")} || ${is("Ready", "True")}`,
  }),
  // A node pool's status has no Ready condition (its conditions are warnings only): it is
  // current once the cluster operator has assigned its nodes; the Kafka reports the rest.
  ...rules("kafka.strimzi.io", ["KafkaNodePool"], {
    suspended: is("ReconciliationPaused", "True"),
    current: "has(status.nodeIds)",
  }),
  ...rules("core.strimzi.io", ["StrimziPodSet"], { current: "status.readyPods == status.pods" }),
];

const routeKinds = ["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"];
const parentCondition = (test: string) => `p.conditions.exists(c, ${test})`;
const gatewayApi: HealthRule[] = [
  ...rules("gateway.networking.k8s.io", ["GatewayClass"], {
    failed: `${is("Accepted", "False")} && !(${reasonIn("Accepted", ["Pending", "Waiting"])})`,
    current: is("Accepted", "True"),
    message: "{{ conditions.Accepted.message }}",
  }),
  ...rules("gateway.networking.k8s.io", ["Gateway", "ListenerSet", "XListenerSet"], {
    failed: `(${is("Accepted", "False")} && !(${reasonIn("Accepted", ["Pending"])})) || (${is("Programmed", "False")} && ${reasonIn("Programmed", ["Invalid"])})`,
    current: `${is("Accepted", "True")} && ${is("Programmed", "True")}`,
    message: "{{ conditions.Programmed.message }}",
  }),
  // Routes report per parent (Gateway): every parent must accept them and resolve their refs.
  ...rules("gateway.networking.k8s.io", routeKinds, {
    failed: `status.parents.exists(p, ${parentCondition(`(c.type == "Accepted" || c.type == "ResolvedRefs") && c.status == "False" && c.reason != "Pending"`)})`,
    current: `size(status.parents) > 0 && status.parents.all(p, ${parentCondition(`c.type == "Accepted" && c.status == "True"`)} && ${parentCondition(`c.type == "ResolvedRefs" && c.status == "True"`)})`,
  }),
];

const knative: HealthRule[] = [
  { apiVersion: "*.knative.dev/*", kind: "*", ...kstatus, message: readyMessage },
];

const istioConfigGroups = [
  "networking.istio.io",
  "security.istio.io",
  "telemetry.istio.io",
  "extensions.istio.io",
];
const istio: HealthRule[] = [
  // Configuration is only validated (by istiod's status writer, when enabled): an ERROR
  // message means the proxies will not get it.
  ...istioConfigGroups.map((group) => ({
    apiVersion: `${group}/*`,
    kind: "*",
    failed: `status.validationMessages.exists(m, m.level == "ERROR")`,
    current: "true",
    message: `{{ status.validationMessages.filter(m, m.level == "ERROR").map(m, m.type.code + " " + m.documentationUrl).join(", ") }}`,
  })),
  ...rules("install.istio.io", ["IstioOperator"], {
    failed: `status.status == "ERROR"`,
    inProgress: phaseIn("status.status", ["RECONCILING", "UPDATING"]),
    current: `status.status == "HEALTHY"`,
  }),
  ...rules("sailoperator.io", ["Istio", "IstioRevision", "IstioCNI", "ZTunnel"], {
    ...kstatus,
    message: readyMessage,
  }),
];

const prometheusOperator: HealthRule[] = [
  // Available is True, Degraded (some replicas down: a rollout does this) or False; the
  // operator gives up only with Reconciled=False (invalid configuration).
  ...rules("monitoring.coreos.com", ["Prometheus", "PrometheusAgent", "Alertmanager", "ThanosRuler"], {
    suspended: "spec.paused == true",
    failed: is("Reconciled", "False"),
    inProgress: `${is("Available", "False")} || ${is("Available", "Degraded")}`,
    current: is("Available", "True"),
    message: "{{ conditions.Reconciled.message }}{{ conditions.Available.message }}",
  }),
  // Configuration objects: newer operators say per Prometheus whether they were accepted.
  ...rules(
    "monitoring.coreos.com",
    ["ServiceMonitor", "PodMonitor", "Probe", "PrometheusRule", "ScrapeConfig", "AlertmanagerConfig"],
    {
      failed: `status.bindings.exists(b, b.conditions.exists(c, c.type == "Accepted" && c.status == "False"))`,
      current: "true",
    },
  ),
];

const keda = rules("keda.sh", ["ScaledObject", "ScaledJob"], {
  // The annotation autoscaling.keda.sh/paused shows as Paused=True.
  suspended: is("Paused", "True"),
  ...kstatus,
  message: readyMessage,
});

const velero: HealthRule[] = [
  ...rules("velero.io", ["Backup", "Restore"], {
    failed: phaseIn("status.phase", [
      "Failed",
      "PartiallyFailed",
      "FailedValidation",
      "FinalizingPartiallyFailed",
      "WaitingForPluginOperationsPartiallyFailed",
    ]),
    current: `status.phase == "Completed"`,
    message: `{{ status.phase }}{{ has(status.validationErrors) ? ": " + status.validationErrors.join("; ") : "" }}`,
  }),
  ...rules("velero.io", ["Schedule"], {
    suspended: "spec.paused == true",
    failed: `status.phase == "FailedValidation"`,
    current: `status.phase == "Enabled"`,
  }),
  ...rules("velero.io", ["BackupStorageLocation", "VolumeSnapshotLocation"], {
    failed: `status.phase == "Unavailable"`,
    current: `status.phase == "Available"`,
    message: "{{ status.message }}",
  }),
];

/** Cluster API: v1beta1 reports Ready, v1beta2 Available; failures in failureReason/phase. */
const capiReady = `${is("Available", "True")} || (!("Available" in conditions) && ${is("Ready", "True")})`;
const clusterApi: HealthRule[] = [
  ...rules("cluster.x-k8s.io", ["Cluster", "Machine", "MachineDeployment", "MachineSet", "MachinePool"], {
    suspended: "spec.paused == true",
    failed: `status.phase == "Failed" || has(status.failureReason)`,
    inProgress: phaseIn("status.phase", ["Pending", "Provisioning", "Deleting", "ScalingUp", "ScalingDown"]),
    current: capiReady,
    message: "{{ has(status.failureMessage) ? status.failureMessage : '' }}",
  }),
  ...rules("controlplane.cluster.x-k8s.io", ["KubeadmControlPlane"], {
    failed: "has(status.failureReason)",
    current: capiReady,
  }),
];

/** Every built-in operator rule, in the order above (a later entry for the same key wins). */
export const operatorRules: readonly HealthRule[] = [
  ...certManager,
  ...flux,
  ...argo,
  ...crossplane,
  ...externalSecrets,
  ...cloudNativePG,
  ...strimzi,
  ...gatewayApi,
  ...knative,
  ...istio,
  ...prometheusOperator,
  ...keda,
  ...velero,
  ...clusterApi,
];
