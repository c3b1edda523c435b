// Which kinds live outside namespaces. Without asking the cluster (discovery belongs to
// src/kube), Ferry knows the built-in cluster-scoped kinds and learns the scope of custom
// kinds from CustomResourceDefinitions rendered alongside them.
import { groupOf, type KubeObject } from "../kube/types.ts";
import { isRecord } from "./manifests.ts";

const builtInClusterScoped = new Set([
  "/Namespace",
  "/Node",
  "/PersistentVolume",
  "/ComponentStatus",
  "apiextensions.k8s.io/CustomResourceDefinition",
  "apiregistration.k8s.io/APIService",
  "rbac.authorization.k8s.io/ClusterRole",
  "rbac.authorization.k8s.io/ClusterRoleBinding",
  "storage.k8s.io/StorageClass",
  "storage.k8s.io/CSIDriver",
  "storage.k8s.io/CSINode",
  "storage.k8s.io/VolumeAttachment",
  "storage.k8s.io/VolumeAttributesClass",
  "scheduling.k8s.io/PriorityClass",
  "node.k8s.io/RuntimeClass",
  "networking.k8s.io/IngressClass",
  "networking.k8s.io/IPAddress",
  "networking.k8s.io/ServiceCIDR",
  "admissionregistration.k8s.io/MutatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
  "admissionregistration.k8s.io/MutatingAdmissionPolicy",
  "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
  "certificates.k8s.io/CertificateSigningRequest",
  "certificates.k8s.io/ClusterTrustBundle",
  "flowcontrol.apiserver.k8s.io/FlowSchema",
  "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
  "resource.k8s.io/DeviceClass",
  "resource.k8s.io/ResourceSlice",
  "storagemigration.k8s.io/StorageVersionMigration",
  "policy/PodSecurityPolicy",
]);

/** A built-in cluster-scoped kind, by its API group ("" for core). The one list: sync uses it too. */
export function isBuiltInClusterScoped(group: string, kind: string): boolean {
  return builtInClusterScoped.has(`${group}/${kind}`);
}

/** Answers `true` for a cluster-scoped group/kind, `false` for namespaced, undefined when unknown. */
export type ScopeLookup = (group: string, kind: string) => boolean | undefined;

export function scopeOf(objects: KubeObject[], discovered?: ScopeLookup): (object: KubeObject) => boolean {
  const cluster = new Set<string>();
  const namespaced = new Set<string>();
  for (const object of objects) {
    if (object.kind !== "CustomResourceDefinition" || !isRecord(object.spec)) continue;
    const { group, names, scope } = object.spec;
    if (typeof group !== "string" || !isRecord(names) || typeof names.kind !== "string") continue;
    (scope === "Cluster" ? cluster : namespaced).add(`${group}/${names.kind}`);
  }
  return (object) => {
    const group = groupOf(object.apiVersion);
    const key = `${group}/${object.kind}`;
    if (isBuiltInClusterScoped(group, object.kind) || cluster.has(key)) return true;
    if (namespaced.has(key)) return false;
    // Unknown custom kinds are taken as namespaced, like most CRDs, unless discovery knows better.
    return discovered?.(group, object.kind) ?? false;
  };
}
