// The order a cluster needs kinds in, shared by the sync planner (apply order inside a wave)
// and the diff (so the same change always produces the same comment).

/** Like Helm's install order: what others refer to comes first, what routes traffic last. */
const kindOrder = [
  "Namespace",
  "NetworkPolicy",
  "ResourceQuota",
  "LimitRange",
  "PodDisruptionBudget",
  "ServiceAccount",
  "Secret",
  "ConfigMap",
  "StorageClass",
  "PersistentVolume",
  "PersistentVolumeClaim",
  "CustomResourceDefinition",
  "ClusterRole",
  "ClusterRoleBinding",
  "Role",
  "RoleBinding",
  "Service",
  "DaemonSet",
  "Pod",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "HorizontalPodAutoscaler",
  "StatefulSet",
  "Job",
  "CronJob",
  "IngressClass",
  "Ingress",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
];
const kindRank = new Map(kindOrder.map((kind, index) => [kind, index]));

/** Rank of a kind; kinds not listed (custom resources) go last. */
export function kindRankOf(kind: string): number {
  return kindRank.get(kind) ?? kindOrder.length;
}
