// Acceptance (issue 12): projects, impersonation and ownership on the real control plane (RBAC
// on), through the real receiver, queue, preview worker and deploy pipeline. Ferry reaches the
// cluster through a recording proxy, so the tests prove which requests were sent at all.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runDeploy } from "../../../src/deploy/pipeline.ts";
import type { KubeObject } from "../../../src/kube/types.ts";
import { testKubeClient, useNamespace } from "../../support/cluster.ts";
import { startKubeProxy, type KubeProxy } from "../../support/kube-proxy.ts";
import { appRepo, deployment, secret, service, webApp, type AppRepo } from "./fixtures.ts";
import { startHarness, type Harness } from "./harness.ts";
import { githubPullRequest } from "./payloads.ts";

const REPO = "acme/deploy";
const ns = useNamespace("pj");
const kube = testKubeClient();
let harness: Harness | undefined;
let app: AppRepo | undefined;
let proxy: KubeProxy | undefined;
let dir = "";
const cleanups: Array<() => Promise<unknown>> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-projects-"));
  proxy = await startKubeProxy(dir);
});

afterEach(async () => {
  harness?.github.assertNoUnexpected();
  await harness?.close();
  await app?.repo.cleanup();
  await proxy?.close();
  for (const step of cleanups.splice(0).reverse()) await step().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
  harness = undefined;
  app = undefined;
});

async function start(apps: Array<Record<string, unknown>>, projects: Array<Record<string, unknown>>) {
  harness = await startHarness(apps, [], { projects, kubeconfig: proxy?.kubeconfig ?? "" });
  return harness;
}

async function open(number: number, head: string, action: "opened" | "synchronize" = "opened") {
  if (!harness || !app) throw new Error("start first");
  harness.github.seedPull(REPO, { number, headSha: head });
  const body = githubPullRequest({
    action,
    repo: REPO,
    number,
    headSha: head,
    baseSha: app.base,
    headRef: "feature",
    baseRef: "main",
  });
  const answer = await harness.postGithub("pull_request", body);
  expect(answer.status).toBe(202);
  return harness.finished(answer.jobs);
}

const commentOf = (number: number) => harness?.github.comments(REPO, number).at(-1)?.body ?? "";
const statusOf = (sha: string, context: string) =>
  harness?.github.statuses.filter((s) => s.sha === sha && s.context === context).at(-1);
/** Requests whose path names this object (reads, dry-runs, applies, deletes). */
const requestsAbout = (name: string) => (proxy?.requests ?? []).filter((r) => r.url.includes(`/${name}`));

const configMap = (name: string, namespace: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ${namespace}
data:
  mapRoles: "leak"
`;

const clusterRoleBinding = (name: string) => `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: ${name}
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: ServiceAccount, name: default, namespace: default }]
`;

describe("projects: refused before anything is sent", () => {
  it("an MR adding a ConfigMap in kube-system fails before merge; merged anyway, nothing is applied", async () => {
    const leak = `ferry-leak-${randomBytes(4).toString("hex")}`;
    app = await appRepo({ "apps/web/service.yaml": service });
    await start(
      [{ ...webApp("web", "github", REPO, app.repo.dir, ns.name), project: "team" }],
      [{ name: "team", destinations: [{ cluster: "local", namespace: ns.name }] }],
    );
    const head = await app.push({
      "apps/web/leak.yaml": configMap(leak, "kube-system"),
      "apps/web/deployment.yaml": deployment("nginx:1.27"),
    });
    const [outcome] = await open(3, head);
    expect(outcome).toMatchObject({ result: "posted", state: "failure" });
    expect(statusOf(head, "ferry/preview")?.state).toBe("failure");
    const body = commentOf(3);
    expect(body).toContain(`ConfigMap kube-system/${leak}: refused by the app's project`);
    expect(body).toContain(`namespace kube-system on cluster local is not a destination of project team`);
    expect(requestsAbout(leak)).toEqual([]);
    // Nothing about the app's allowed objects either: the whole app stays off the cluster.
    expect(proxy?.requests.filter((r) => r.url.includes(`/namespaces/${ns.name}/`))).toEqual([]);

    const run = await runDeploy({ app: "web", reason: "manual", revision: head }, harness!.runtime);
    expect(run).toMatchObject({ result: "failed", reason: "PolicyRefused", code: "POLICY_DENIED" });
    expect(statusOf(head, "ferry/deploy/web")).toMatchObject({ state: "failure" });
    expect(statusOf(head, "ferry/deploy/web")?.description).toContain("refused by its project");
    expect(requestsAbout(leak)).toEqual([]);
    expect(
      await kube.get({ apiVersion: "v1", kind: "ConfigMap", namespace: "kube-system", name: leak }),
    ).toBeUndefined();
    expect(
      await kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace: ns.name, name: "web" }),
    ).toBeUndefined();
    expect(
      await kube.get({ apiVersion: "v1", kind: "Service", namespace: ns.name, name: "web" }),
    ).toBeUndefined();
  });

  it("a ClusterRoleBinding is refused the same way when the project does not list it", async () => {
    const binding = `ferry-crb-${randomBytes(4).toString("hex")}`;
    app = await appRepo({ "apps/web/service.yaml": service });
    await start([webApp("web", "github", REPO, app.repo.dir, ns.name)], []);
    const head = await app.push({ "apps/web/crb.yaml": clusterRoleBinding(binding) });
    const [outcome] = await open(4, head);
    expect(outcome).toMatchObject({ result: "posted", state: "failure" });
    expect(commentOf(4)).toContain(
      "cluster-scoped kind rbac.authorization.k8s.io/ClusterRoleBinding is not allowed by built-in project of app web",
    );
    expect(requestsAbout(binding)).toEqual([]);

    const run = await runDeploy({ app: "web", reason: "manual", revision: head }, harness!.runtime);
    expect(run).toMatchObject({ result: "failed", reason: "PolicyRefused" });
    expect(requestsAbout(binding)).toEqual([]);
    const live = await kube.get({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      name: binding,
    });
    expect(live).toBeUndefined();
  });
});

describe("impersonation", () => {
  const apply = async (object: KubeObject) => {
    await kube.apply(object, { force: true, fieldManager: "test" });
  };
  const role = (name: string, resources: string[]): KubeObject => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name, namespace: ns.name },
    rules: [
      {
        apiGroups: ["", "apps"],
        resources,
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
      },
    ],
  });
  const binding = (name: string): KubeObject => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name, namespace: ns.name },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
    subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: ns.name }],
  });

  it("a Secret the project's ServiceAccount may not touch fails the preview with the forbidden answer; granted, it passes", async () => {
    await apply({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "deployer", namespace: ns.name },
    });
    await apply(role("deployer", ["configmaps", "services", "deployments"]));
    await apply(binding("deployer"));
    app = await appRepo({ "apps/web/service.yaml": service });
    const destinations = [{ cluster: "local", namespace: ns.name, serviceAccount: "deployer" }];
    await start(
      [{ ...webApp("web", "github", REPO, app.repo.dir, ns.name), project: "team" }],
      [{ name: "team", destinations }],
    );
    const head = await app.push({ "apps/web/secret.yaml": secret("hunter2") });
    const [refused] = await open(5, head);
    expect(refused).toMatchObject({ result: "posted", state: "failure" });
    const body = commentOf(5);
    expect(body).toContain(`forbidden as ServiceAccount ${ns.name}/deployer`);
    expect(body).toContain(`User "system:serviceaccount:${ns.name}:deployer" cannot get resource "secrets"`);
    expect(body).not.toContain("hunter2");
    // The app's own objects were asked about as the ServiceAccount, never as Ferry.
    const about = proxy?.requests.filter((r) => /\/(secrets|services)\//.test(r.url)) ?? [];
    expect(about.length).toBeGreaterThan(0);
    expect(about.filter((r) => r.user !== `system:serviceaccount:${ns.name}:deployer`)).toEqual([]);

    await apply(role("deployer-secrets", ["secrets"]));
    await apply(binding("deployer-secrets"));
    const again = await app.push({ "apps/web/secret.yaml": secret("hunter3") });
    const [granted] = await open(5, again, "synchronize");
    expect(granted).toMatchObject({ result: "posted", state: "success" });
  });

  it("a ServiceAccount that does not exist is named as missing, without a crash", async () => {
    app = await appRepo({ "apps/web/service.yaml": service });
    const destinations = [{ cluster: "local", namespace: ns.name, serviceAccount: "nobody" }];
    await start(
      [{ ...webApp("web", "github", REPO, app.repo.dir, ns.name), project: "team" }],
      [{ name: "team", destinations }],
    );
    const head = await app.push({ "apps/web/deployment.yaml": deployment("nginx:1.27") });
    await expect(open(6, head)).rejects.toThrow(`ServiceAccount ${ns.name}/nobody does not exist`);
    expect(statusOf(head, "ferry/preview")).toMatchObject({ state: "error" });
    expect(statusOf(head, "ferry/preview")?.description).toContain(
      `ServiceAccount ${ns.name}/nobody does not exist`,
    );
  });
});

describe("ownership", () => {
  it("a second app rendering the same object is refused, naming the first", async () => {
    const shared = configMap("shared", ns.name).replace(`  namespace: ${ns.name}\n`, "");
    app = await appRepo({ "apps/api/shared.yaml": shared, "apps/web/service.yaml": service });
    const api = { ...webApp("api", "github", REPO, app.repo.dir, ns.name), path: "apps/api" };
    await start([api, webApp("web", "github", REPO, app.repo.dir, ns.name)], []);
    const first = await runDeploy({ app: "api", reason: "manual", revision: app.base }, harness!.runtime);
    expect(first).toMatchObject({ result: "succeeded" });

    const head = await app.push({ "apps/web/shared.yaml": shared });
    const [outcome] = await open(8, head);
    expect(outcome).toMatchObject({ result: "posted", state: "failure" });
    expect(commentOf(8)).toContain(`ConfigMap ${ns.name}/shared is owned by app api`);

    const second = await runDeploy({ app: "web", reason: "manual", revision: head }, harness!.runtime);
    expect(second).toMatchObject({ result: "failed" });
    expect(second.result === "failed" ? second.message : "").toContain("is owned by app api");
    const live = await kube.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name: "shared" });
    expect(live?.metadata.labels?.["ferry.dev/app"]).toBe("api");
  });
});
