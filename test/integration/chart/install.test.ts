// Installs the chart into the test control plane the way `helm install` would (helm template +
// kubectl apply), waits for its pods to run (kwok plays the kubelet), and asks the API server
// what the workers' ServiceAccount may do. Each test uses its own release and namespaces.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, inject, it } from "vitest";
import { toolPath } from "../../../src/render/binaries.ts";
import { createNamespace, type TestNamespace } from "../../support/cluster.ts";
import { waitFor } from "../../support/process.ts";
import { chartDir, helm, minimalValues } from "./helm.ts";

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function kubectl(
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      toolPath("kubectl"),
      ["--kubeconfig", inject("kubeconfig"), ...args],
      { maxBuffer: 32 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function namespace(prefix: string): Promise<TestNamespace> {
  const ns = await createNamespace(prefix);
  cleanups.push(() => ns.delete());
  return ns;
}

/** helm template | kubectl apply, as one release; returns the release name. */
async function install(ns: string, values: object): Promise<string> {
  const release = `f-${randomBytes(3).toString("hex")}`;
  const rendered = await helm(["template", release, chartDir, "--namespace", ns], values);
  expect(rendered.stderr).toBe("");
  cleanups.push(async () => {
    await kubectl([
      "delete",
      "clusterrole,clusterrolebinding",
      "-l",
      `app.kubernetes.io/instance=${release}`,
    ]);
  });
  const applied = await kubectl(["apply", "-f", "-"], rendered.stdout);
  expect(applied.stderr).toBe("");
  expect(applied.code).toBe(0);
  return release;
}

interface PodList {
  items: Array<{ metadata: { labels: Record<string, string> }; status: { phase?: string } }>;
}

/** `except`: components whose pods may stay Pending (a bundled Redis whose volume never binds here). */
async function waitForRunningPods(ns: string, release: string, except: string[] = []): Promise<void> {
  let last = "";
  await waitFor(
    "the receiver and worker pods to be Running",
    async () => {
      const { stdout } = await kubectl([
        "get",
        "pods",
        "-n",
        ns,
        "-l",
        `app.kubernetes.io/instance=${release}`,
        "-o",
        "json",
      ]);
      const pods = (JSON.parse(stdout) as PodList).items.filter(
        (p) => !except.includes(p.metadata.labels["app.kubernetes.io/component"] ?? ""),
      );
      last = pods
        .map((p) => `${p.metadata.labels["app.kubernetes.io/component"]}:${p.status.phase}`)
        .join(" ");
      const running = (component: string) =>
        pods.filter(
          (p) =>
            p.metadata.labels["app.kubernetes.io/component"] === component && p.status.phase === "Running",
        ).length;
      return (
        running("receiver") >= 1 && running("worker") === 2 && pods.every((p) => p.status.phase === "Running")
      );
    },
    { timeoutMs: 90_000, intervalMs: 500, describe: () => `pods: ${last}` },
  );
}

async function can(serviceAccount: string, verb: string, resource: string, ns?: string): Promise<boolean> {
  const args = ["auth", "can-i", verb, resource, `--as=${serviceAccount}`];
  const result = await kubectl(ns ? [...args, "-n", ns] : args);
  expect(["yes", "no"], result.stderr).toContain(result.stdout.trim());
  return result.stdout.trim() === "yes";
}

describe("chart installed on the test control plane", () => {
  it("installs with no values at all: a bundled Redis, its generated password and a generated state key", async () => {
    const home = await namespace("ferry");
    const release = await install(home.name, {});
    // The test control plane has no volume provisioner, so the bundled Redis' claim stays
    // Pending here; everything else runs.
    await waitForRunningPods(home.name, release, ["redis"]);
    const objects = await kubectl(["get", "statefulset,service,secret,pvc", "-n", home.name, "-o", "name"]);
    for (const name of [
      `statefulset.apps/${release}-ferry-redis`,
      `service/${release}-ferry-redis`,
      `secret/${release}-ferry-redis`,
      `secret/${release}-ferry-state`,
      `persistentvolumeclaim/data-${release}-ferry-redis-0`,
    ]) {
      expect(objects.stdout.split("\n")).toContain(name);
    }
  });

  it("by default runs its pods and lets the worker act only as the ServiceAccounts values name", async () => {
    const home = await namespace("ferry");
    const team = await namespace("team");
    const other = await namespace("other");
    const release = await install(home.name, {
      ...minimalValues,
      rbac: { serviceAccounts: [{ namespace: team.name, name: "deployer" }] },
    });
    await waitForRunningPods(home.name, release);

    const worker = `system:serviceaccount:${home.name}:${release}-ferry`;
    expect(await can(worker, "impersonate", "serviceaccounts/deployer", team.name)).toBe(true);
    expect(await can(worker, "impersonate", "serviceaccounts/default", team.name)).toBe(false);
    expect(await can(worker, "impersonate", "serviceaccounts/deployer", other.name)).toBe(false);
    expect(await can(worker, "create", "configmaps", home.name)).toBe(true);
    // No deploy rights of its own, anywhere.
    for (const ns of [team.name, other.name, home.name]) {
      expect(await can(worker, "patch", "deployments.apps", ns)).toBe(false);
      expect(await can(worker, "get", "secrets", ns)).toBe(false);
    }
    expect(await can(worker, "create", "configmaps", team.name)).toBe(false);
    expect(await can(worker, "create", "namespaces")).toBe(false);
  });

  it("in the explicit wide mode, grants the worker cluster-wide deploy rights but no escalation", async () => {
    const home = await namespace("ferry");
    const other = await namespace("apps");
    const release = await install(home.name, { ...minimalValues, rbac: { scope: "cluster" } });
    await waitForRunningPods(home.name, release);

    const worker = `system:serviceaccount:${home.name}:${release}-ferry`;
    expect(await can(worker, "patch", "deployments.apps", other.name)).toBe(true);
    expect(await can(worker, "delete", "services", other.name)).toBe(true);
    expect(await can(worker, "create", "namespaces")).toBe(true);
    expect(await can(worker, "get", "secrets", other.name)).toBe(true);
    expect(await can(worker, "bind", "clusterroles")).toBe(false);
    expect(await can(worker, "escalate", "clusterroles")).toBe(false);
    expect(await can(worker, "impersonate", "serviceaccounts")).toBe(false);
    expect(await can(worker, "create", "nodes")).toBe(false);

    const receiver = `system:serviceaccount:${home.name}:${release}-ferry-receiver`;
    expect(await can(receiver, "list", "deployments.apps", home.name)).toBe(false);
    expect(await can(receiver, "get", "secrets", home.name)).toBe(false);
  });

  it("in namespaced mode, reaches only the listed namespaces and its own state", async () => {
    const home = await namespace("ferry");
    const team = await namespace("team");
    const other = await namespace("other");
    const release = await install(home.name, {
      ...minimalValues,
      receiver: { autoscaling: { enabled: false }, replicaCount: 1 },
      rbac: { scope: "namespaced", namespaces: [team.name] },
    });
    await waitForRunningPods(home.name, release);

    const worker = `system:serviceaccount:${home.name}:${release}-ferry`;
    expect(await can(worker, "patch", "deployments.apps", team.name)).toBe(true);
    expect(await can(worker, "get", "secrets", team.name)).toBe(true);
    expect(await can(worker, "create", "configmaps", home.name)).toBe(true);
    expect(await can(worker, "patch", "deployments.apps", other.name)).toBe(false);
    expect(await can(worker, "get", "secrets", other.name)).toBe(false);
    expect(await can(worker, "get", "secrets", home.name)).toBe(false);
    expect(await can(worker, "create", "namespaces")).toBe(false);
    expect(await can(worker, "list", "customresourcedefinitions.apiextensions.k8s.io")).toBe(false);
    const { stdout } = await kubectl([
      "get",
      "clusterroles",
      "-l",
      `app.kubernetes.io/instance=${release}`,
      "-o",
      "name",
    ]);
    expect(stdout.trim()).toBe("");
  });
});
