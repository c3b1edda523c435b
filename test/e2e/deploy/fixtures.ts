// Manifests and set-up shared by the deploy tests: an app repository with plain manifests in
// apps/web, its own namespace and harness per test, and cluster reads.
import { randomBytes } from "node:crypto";
import { expect, onTestFinished } from "vitest";
import type { DeployRun } from "../../../src/deploy/pipeline.ts";
import type { KubeClient, KubeObject } from "../../../src/kube/types.ts";
import { createNamespace, testKubeClient } from "../../support/cluster.ts";
import { createRepo, git, type TestRepo } from "../../support/git.ts";
import { startDeployHarness, type DeployHarness } from "./harness.ts";

export function deployment(
  image: string,
  options: {
    labels?: Record<string, string>;
    wave?: number;
    annotations?: Record<string, string>;
    replicas?: number;
  } = {},
): string {
  const labels = Object.entries(options.labels ?? {})
    .map(([key, value]) => `\n        ${key}: "${value}"`)
    .join("");
  const annotations = {
    ...options.annotations,
    ...(options.wave === undefined ? {} : { "ferry.dev/sync-wave": String(options.wave) }),
  };
  const metadata = Object.entries(annotations)
    .map(([key, value]) => `\n    ${key}: "${value}"`)
    .join("");
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web${metadata === "" ? "" : `\n  annotations:${metadata}`}
spec:
  replicas: ${options.replicas ?? 1}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web${labels}
    spec:
      containers:
        - name: web
          image: ${image}
`;
}

export function configMap(name: string, value = name): string {
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
data:
  value: "${value}"
`;
}

/** A Secret written as base64 `data`, as most tools write them. */
export function dataSecret(name: string, key: string, value: string): string {
  return `apiVersion: v1
kind: Secret
metadata:
  name: ${name}
type: Opaque
data:
  ${key}: ${Buffer.from(value).toString("base64")}
`;
}

export function job(name: string, wave: number): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  annotations:
    ferry.dev/sync-wave: "${wave}"
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: ${name}
          image: busybox:1.36
`;
}

export interface Setup {
  harness: DeployHarness;
  repo: TestRepo;
  namespace: string;
  app: string;
  /** owner/name (GitHub) or group/project (GitLab). */
  project: string;
  kube: KubeClient;
}

/**
 * A repository with `files`, a namespace and a harness with one app on `forge`, all removed
 * afterwards. `app` adds fields to the app's config (e.g. ignoreDifferences).
 */
export async function setup(
  forge: "github" | "gitlab",
  files: Record<string, string>,
  sync: Record<string, unknown> = {},
  more: Parameters<typeof startDeployHarness>[1] = {},
  app: Record<string, unknown> = {},
): Promise<Setup> {
  const repo = await createRepo(files);
  onTestFinished(() => repo.cleanup());
  const ns = await createNamespace("deploy");
  onTestFinished(() => ns.delete());
  const name = `web-${randomBytes(3).toString("hex")}`;
  const project = `acme/${name}`;
  const harness = await startDeployHarness(
    [
      {
        ...app,
        name,
        forge,
        repo: project,
        repoUrl: repo.dir,
        branch: "main",
        path: "apps/web",
        destination: { cluster: "local", namespace: ns.name },
        sync: { healthTimeout: "60s", ...sync },
      },
    ],
    more,
  );
  onTestFinished(() => harness.close());
  return { harness, repo, namespace: ns.name, app: name, project, kube: testKubeClient() };
}

interface DeploymentView {
  image?: string;
  available: boolean;
}

export async function deploymentView(
  kube: KubeClient,
  namespace: string,
  name = "web",
): Promise<DeploymentView> {
  const live = await kube.get({ apiVersion: "apps/v1", kind: "Deployment", namespace, name });
  const spec = live?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
  const status = live?.status as { conditions?: { type: string; status: string }[] } | undefined;
  const image = spec?.template?.spec?.containers?.[0]?.image;
  return {
    ...(image === undefined ? {} : { image }),
    available: status?.conditions?.some((c) => c.type === "Available" && c.status === "True") ?? false,
  };
}

export async function getConfigMap(
  kube: KubeClient,
  namespace: string,
  name: string,
): Promise<KubeObject | undefined> {
  return kube.get({ apiVersion: "v1", kind: "ConfigMap", namespace, name });
}

/** Polls until the Deployment runs `image` and is Available. */
export async function waitAvailable(kube: KubeClient, namespace: string, image: string): Promise<void> {
  await expect
    .poll(() => deploymentView(kube, namespace), { timeout: 60_000, interval: 100 })
    .toEqual({ image, available: true });
}

export const ZERO = "0".repeat(40);

/** The paths a push from `before` to `after` changed, as the forge lists them in its payload. */
export async function changedFiles(repo: TestRepo, before: string, after: string): Promise<string[]> {
  const out =
    before === ZERO
      ? await git(repo.dir, "ls-tree", "-r", "--name-only", after)
      : await git(repo.dir, "diff", "--name-only", before, after);
  return out.split("\n").filter(Boolean);
}

/** Pushes `before` → `after` on main as GitHub sends it and waits for the jobs' runs. */
export async function pushAndWait(s: Setup, before: string, after: string): Promise<DeployRun[]> {
  const modified = await changedFiles(s.repo, before, after);
  const answer = await s.harness.pushGithub({ repo: s.project, branch: "main", before, after, modified });
  expect(answer.status).toBe(202);
  return s.harness.finished(answer.jobs);
}

/** Pushes the repository's head as a new branch's first commit and waits for its deploy to succeed. */
export async function deployFirst(s: Setup): Promise<string> {
  const sha = await s.repo.head();
  expect(await pushAndWait(s, ZERO, sha)).toMatchObject([{ result: "succeeded", revision: sha }]);
  return sha;
}
