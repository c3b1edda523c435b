// `helm template` with the smallest valid values: what every installation gets.
import { beforeAll, describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.ts";
import { find, minimalValues, only, template, type KubeObject } from "./helm.ts";
import { deployment, envOf, type DeploymentView } from "./pods.ts";

let objects: KubeObject[];
let receiver: DeploymentView;
let worker: DeploymentView;

beforeAll(async () => {
  objects = await template(minimalValues);
  receiver = deployment(only(objects, "Deployment", "ferry-receiver"));
  worker = deployment(only(objects, "Deployment", "ferry-worker"));
});

describe("chart defaults", () => {
  it("renders the receiver and the worker as separate Deployments", () => {
    expect(
      find(objects, "Deployment")
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(["ferry-receiver", "ferry-worker"]);
    expect(receiver.container.args).toEqual(["serve", "--config", "/etc/ferry/ferry.yaml"]);
    expect(worker.container.args).toEqual([
      "worker",
      "--config",
      "/etc/ferry/ferry.yaml",
      "--http-port",
      "8080",
    ]);
    expect(receiver.container.image).toBe("ferry:0.1.0");
  });

  it("probes the receiver on /healthz (liveness) and /readyz (readiness)", () => {
    expect(receiver.container.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(receiver.container.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(receiver.container.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    const service = only(objects, "Service", "ferry").spec as {
      selector: Record<string, string>;
      ports: unknown[];
    };
    expect(service.selector).toEqual(receiver.selector);
    expect(service.ports).toEqual([{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
  });

  it("locks both pods down: non-root, read-only root, no capabilities, RuntimeDefault seccomp", () => {
    for (const view of [receiver, worker]) {
      expect(view.pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        fsGroup: 10001,
      });
      expect(view.pod.securityContext.seccompProfile).toEqual({ type: "RuntimeDefault" });
      expect(view.container.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
      });
      expect(view.container.securityContext.capabilities?.drop).toEqual(["ALL"]);
      expect(view.container.resources.requests).toHaveProperty("cpu");
      expect(view.container.resources.requests).toHaveProperty("memory");
      expect(view.container.resources.limits).toHaveProperty("memory");
    }
  });

  it("gives every writable path an emptyDir and mounts ferry.yaml read-only", () => {
    for (const view of [receiver, worker]) {
      const mounts = Object.fromEntries(view.container.volumeMounts.map((m) => [m.mountPath, m]));
      const volumes = Object.fromEntries(view.pod.volumes.map((v) => [v.name, v]));
      expect(volumes[mounts["/tmp"]?.name ?? ""]?.emptyDir).toBeDefined();
      expect(volumes[mounts["/var/lib/ferry"]?.name ?? ""]?.emptyDir).toBeDefined();
      expect(mounts["/etc/ferry/ferry.yaml"]?.readOnly).toBe(true);
      expect(volumes[mounts["/etc/ferry/ferry.yaml"]?.name ?? ""]?.configMap?.name).toBe("ferry");
      expect(envOf(view.container).FERRY_WORK_DIR).toMatch(/^\/var\/lib\/ferry\//);
    }
  });

  it("keeps Kubernetes credentials away from the receiver and binds the worker to its ServiceAccount", () => {
    expect(receiver.pod.automountServiceAccountToken).toBe(false);
    expect(receiver.pod.serviceAccountName).toBe("ferry-receiver");
    expect(worker.pod.serviceAccountName).toBe("ferry");
    const binding = only(objects, "RoleBinding", "ferry-state") as KubeObject & {
      subjects: unknown[];
      roleRef: { kind: string; name: string };
    };
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "ferry", namespace: "ferry" }]);
    expect(binding.roleRef).toMatchObject({ kind: "Role", name: "ferry-state" });
    const subjects = find(objects, "ClusterRoleBinding").concat(find(objects, "RoleBinding"));
    expect(JSON.stringify(subjects)).not.toContain("ferry-receiver");
  });

  it("defaults to the impersonate mode: with no accounts named, no rights beyond its own ConfigMaps", () => {
    // Issue 12: the default RBAC follows the model; the wide ClusterRole is opt-in.
    expect(find(objects, "ClusterRole")).toEqual([]);
    expect(find(objects, "ClusterRoleBinding")).toEqual([]);
    expect(find(objects, "Role").map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toEqual([
      "ferry/ferry-state",
    ]);
    expect((only(objects, "Role", "ferry-state") as KubeObject & { rules: unknown[] }).rules).toEqual([
      {
        apiGroups: [""],
        resources: ["configmaps"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
      },
    ]);
  });

  it("in the explicit wide mode, grants write on the kinds Ferry deploys, with Namespaces and CRDs", async () => {
    const wide = await template({ ...minimalValues, rbac: { scope: "cluster" } });
    const binding = only(wide, "ClusterRoleBinding", "ferry") as KubeObject & {
      subjects: unknown[];
      roleRef: { name: string };
    };
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "ferry", namespace: "ferry" }]);
    expect(binding.roleRef.name).toBe("ferry");
    const role = only(wide, "ClusterRole", "ferry") as KubeObject & {
      rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
    };
    const verbsFor = (group: string, resource: string) =>
      role.rules
        .filter((r) => r.apiGroups.includes(group) && r.resources.includes(resource))
        .flatMap((r) => r.verbs);
    for (const [group, resource] of [
      ["apps", "deployments"],
      ["", "services"],
      ["", "configmaps"],
      ["", "secrets"],
      ["", "namespaces"],
      ["apiextensions.k8s.io", "customresourcedefinitions"],
    ] as const) {
      expect(verbsFor(group, resource), `${group}/${resource}`).toEqual(
        expect.arrayContaining(["get", "list", "watch", "create", "patch", "delete"]),
      );
    }
    // No wildcards, and never the verbs that let an account grant more than it holds.
    const flat = JSON.stringify(role.rules);
    expect(flat).not.toContain('"*"');
    for (const verb of ["escalate", "bind", "impersonate"]) expect(flat).not.toContain(`"${verb}"`);
  });

  it("scales the receiver with an HPA and protects both with PodDisruptionBudgets", () => {
    const hpa = only(objects, "HorizontalPodAutoscaler", "ferry-receiver").spec as {
      scaleTargetRef: { kind: string; name: string };
      minReplicas: number;
    };
    expect(hpa.scaleTargetRef).toMatchObject({ kind: "Deployment", name: "ferry-receiver" });
    expect(hpa.minReplicas).toBe(2);
    // The HPA owns the replica count; the Deployment must not fight it on every upgrade.
    expect(receiver.replicas).toBeUndefined();
    expect(worker.replicas).toBe(2);
    const pdbs = find(objects, "PodDisruptionBudget");
    expect(pdbs.map((p) => (p.spec as { selector: { matchLabels: unknown } }).selector.matchLabels)).toEqual([
      receiver.selector,
      worker.selector,
    ]);
  });

  it("labels every object per Helm conventions and selects pods by stable labels", () => {
    for (const object of objects) {
      expect(object.metadata.labels, `${object.kind} ${object.metadata.name}`).toMatchObject({
        "app.kubernetes.io/name": "ferry",
        "app.kubernetes.io/instance": "ferry",
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": "ferry-0.1.0",
        "app.kubernetes.io/version": "0.1.0",
      });
    }
    for (const view of [receiver, worker]) {
      expect(view.podLabels).toMatchObject(view.selector);
      expect(Object.keys(view.selector)).not.toContain("app.kubernetes.io/version");
    }
    expect(receiver.podAnnotations["checksum/config"]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("renders a ferry.yaml that Ferry itself accepts with the environment the pods get", () => {
    const configMap = only(objects, "ConfigMap", "ferry") as KubeObject & { data: Record<string, string> };
    const text = configMap.data["ferry.yaml"] ?? "";
    const config = parseConfigText(text, envOf(worker.container), "ferry.yaml");
    expect(config.redis.url).toBe("redis://redis.ferry.svc:6379");
    expect(config.server.port).toBe(8080);
    expect(config.clusters).toEqual([expect.objectContaining({ name: "in-cluster", inCluster: true })]);
    expect(text).toContain("${REDIS_URL}");
    expect(text).not.toContain("redis.ferry.svc");
    expect(config.redis.password).toBe("from-secret-ferry-redis-auth-redis-password");
    const receiverConfig = parseConfigText(text, envOf(receiver.container), "ferry.yaml", "receiver");
    expect(receiverConfig.redis.password).toBe(config.redis.password);
  });

  it("gives the state key to the worker only, from a Secret", () => {
    expect(envOf(worker.container).FERRY_STATE_KEY).toBe("from-secret-ferry-state-state-key");
    expect(envOf(receiver.container)).not.toHaveProperty("FERRY_STATE_KEY");
    expect(envOf(receiver.container)).not.toHaveProperty("FERRY_STATE_PREVIOUS_KEYS");
  });

  it("renders no Ingress, ServiceMonitor or Secret unless asked", () => {
    expect(find(objects, "Ingress")).toEqual([]);
    expect(find(objects, "ServiceMonitor")).toEqual([]);
    expect(find(objects, "Secret")).toEqual([]);
  });
});
