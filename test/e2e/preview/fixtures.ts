// The app repository of the preview tests: apps/web holds plain manifests.
import { createRepo, git, type TestRepo } from "../../support/git.ts";

export function deployment(image: string, selector = "web"): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${selector}
  template:
    metadata:
      labels:
        app: ${selector}
    spec:
      containers:
        - name: web
          image: ${image}
`;
}

export const service = `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
`;

export function secret(password: string): string {
  return `apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
stringData:
  password: ${password}
`;
}

/** A ConfigMap `big` whose data has `lines` keys, each one line of its YAML ("key-<i>": "<version>-<i>"). */
export function bigConfigMap(version: string, lines: number): string {
  const data = Array.from({ length: lines }, (_, i) => `  key-${i}: "${version}-${i}"`).join("\n");
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n${data}\n`;
}

export interface AppRepo {
  repo: TestRepo;
  base: string;
  /** Commits `files` on the feature branch and returns the new head. */
  push: (files: Record<string, string>) => Promise<string>;
  /** Commits `files` on main after the feature branch forked; returns main's new head. */
  advanceMain: (files: Record<string, string>) => Promise<string>;
}

/** main has `files`; the feature branch starts there. */
export async function appRepo(files: Record<string, string>): Promise<AppRepo> {
  const repo = await createRepo(files);
  const base = await repo.head();
  await git(repo.dir, "checkout", "-q", "-b", "feature");
  return {
    repo,
    base,
    push: async (more) => {
      await repo.write(more);
      return repo.commit("change");
    },
    advanceMain: async (more) => {
      await git(repo.dir, "checkout", "-q", "main");
      await repo.write(more);
      const sha = await repo.commit("main moves on");
      await git(repo.dir, "checkout", "-q", "feature");
      return sha;
    },
  };
}

export function webApp(name: string, forge: string, repo: string, repoUrl: string, namespace: string) {
  return {
    name,
    forge,
    repo,
    repoUrl,
    branch: "main",
    path: "apps/web",
    destination: { cluster: "local", namespace },
  };
}
