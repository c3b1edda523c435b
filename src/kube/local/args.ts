// Command lines of the five components (etcd, kube-apiserver, controller-manager, scheduler,
// kwok), with the flags each one documents; tools/testcluster/README.md says how they are built.
// Everything listens on 127.0.0.1 only.
import { join } from "node:path";
import type { Pki } from "./pki.ts";

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
}

export function etcdArgs(dir: string, ports: Ports): string[] {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return [
    "--name=n0",
    `--data-dir=${join(dir, "etcd")}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=n0=${peer}`,
    // A throwaway cluster: durability buys nothing and fsync is slow on shared disks.
    "--unsafe-no-fsync=true",
    "--log-level=warn",
  ];
}

export function apiserverArgs(dir: string, pki: Pki, ports: Ports): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${ports.apiserver}`,
    `--cert-dir=${join(dir, "pki")}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    "--service-cluster-ip-range=10.96.0.0/16",
    "--authorization-mode=RBAC",
    "--allow-privileged=true",
    // No token volumes: kwok runs no containers, and pods then need no ServiceAccount to exist.
    "--disable-admission-plugins=ServiceAccount",
    "--endpoint-reconciler-type=none",
    // Fairness queues only slow start-up and cost memory on a single-user cluster.
    "--enable-priority-and-fairness=false",
    "--profiling=false",
  ];
}

/**
 * The client rate of the controller-manager and the scheduler. Their default (20 requests/s,
 * burst 30) makes the test control plane, not the code under test, the bottleneck: 1,000
 * Deployments took 243 s to become Available (ReplicaSets created at about 5/s) against 61 s
 * at 300/600, about as fast as the API server accepts them (issue 17).
 */
export const CONTROLLER_CLIENT_RATE = ["--kube-api-qps=300", "--kube-api-burst=600"];

export function controllerManagerArgs(kubeconfig: string, pki: Pki): string[] {
  return [
    ...CONTROLLER_CLIENT_RATE,
    `--kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    // No health endpoint needed: readiness is judged through the apiserver.
    "--secure-port=0",
    "--leader-elect=false",
    `--root-ca-file=${pki.caCert}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    "--use-service-account-credentials=false",
    "--profiling=false",
  ];
}

export function schedulerArgs(kubeconfig: string): string[] {
  return [
    ...CONTROLLER_CLIENT_RATE,
    `--kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    "--secure-port=0",
    "--leader-elect=false",
    "--profiling=false",
  ];
}

export function kwokArgs(kubeconfig: string, stages: string[]): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    "--manage-all-nodes=true",
    "--node-lease-duration-seconds=40",
    "--cidr=10.244.0.0/16",
    `--config=${stages.join(",")}`,
  ];
}

/**
 * The one simulated node; without taints so ordinary Deployments schedule onto it. Its
 * capacity holds several 1,000-app fleets at once (kwok runs no containers, so the numbers
 * cost nothing): pods without requests count only against `pods`.
 */
export const NODE_NAME = "kwok-node-0";
export const nodeObject = {
  apiVersion: "v1",
  kind: "Node",
  metadata: {
    name: NODE_NAME,
    annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
    labels: {
      "kubernetes.io/hostname": NODE_NAME,
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "kubernetes.io/role": "agent",
      type: "kwok",
    },
  },
  status: {
    allocatable: { cpu: "1000", memory: "4Ti", pods: "10000" },
    capacity: { cpu: "1000", memory: "4Ti", pods: "10000" },
  },
};
