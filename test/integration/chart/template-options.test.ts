// `helm template` with the value sets users reach for, and the mistakes the chart refuses.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chartDir, find, helm, minimalValues, only, template, type KubeObject } from "./helm.ts";
import { parseConfigText } from "../../../src/config/load.ts";
import { deployment, envOf } from "./pods.ts";

const secretValues = {
  redis: {
    existingSecret: "ferry-redis",
    existingSecretKey: "url",
    auth: { existingSecret: "ferry-redis-auth" },
  },
  stateKey: { existingSecret: "ferry-state" },
  secrets: {
    existingSecret: "ferry-secrets",
    env: {
      GITHUB_TOKEN: "github-token",
      GITHUB_WEBHOOK_SECRET: "github-webhook-secret",
      PROD_KUBECONFIG: "prod-kubeconfig",
    },
  },
  config: {
    forges: [
      { name: "github", type: "github", token: "${GITHUB_TOKEN}", webhookSecret: "${GITHUB_WEBHOOK_SECRET}" },
    ],
    clusters: [{ name: "prod", kubeconfig: "${PROD_KUBECONFIG}" }],
  },
};

async function failure(values: object): Promise<string> {
  const result = await helm(["template", "ferry", chartDir, "--namespace", "ferry"], values);
  expect(result.code, "helm template should fail").not.toBe(0);
  return result.stderr;
}

describe("chart options", () => {
  it("takes tokens and webhook secrets from Secret references, never from the ConfigMap", async () => {
    const objects = await template(secretValues);
    const text = (only(objects, "ConfigMap", "ferry") as KubeObject & { data: Record<string, string> }).data[
      "ferry.yaml"
    ];
    expect(text).toContain("token: ${GITHUB_TOKEN}");
    expect(text).toContain("webhookSecret: ${GITHUB_WEBHOOK_SECRET}");
    const worker = envOf(deployment(only(objects, "Deployment", "ferry-worker")).container);
    expect(worker).toMatchObject({
      REDIS_URL: "from-secret-ferry-redis-url",
      REDIS_PASSWORD: "from-secret-ferry-redis-auth-redis-password",
      GITHUB_TOKEN: "from-secret-ferry-secrets-github-token",
      PROD_KUBECONFIG: "from-secret-ferry-secrets-prod-kubeconfig",
      FERRY_STATE_KEY: "from-secret-ferry-state-state-key",
    });
  });

  it("gives a variable to each component whose part of ferry.yaml references it, and one nobody references to the worker", async () => {
    const objects = await template({
      ...secretValues,
      secrets: {
        ...secretValues.secrets,
        env: { ...secretValues.secrets.env, SHARED: "shared", HTTPS_PROXY: "proxy" },
      },
      config: {
        ...secretValues.config,
        forges: [
          {
            name: "gitlab",
            type: "gitlab",
            url: "https://gitlab.example/${SHARED}",
            token: "${GITHUB_TOKEN}",
            webhookSecret: "${GITHUB_WEBHOOK_SECRET}",
          },
        ],
      },
    });
    const namesOf = (name: string) =>
      Object.keys(envOf(deployment(only(objects, "Deployment", name)).container));
    expect(namesOf("ferry-receiver")).toEqual(expect.arrayContaining(["SHARED", "GITHUB_WEBHOOK_SECRET"]));
    expect(namesOf("ferry-receiver")).not.toContain("HTTPS_PROXY");
    expect(namesOf("ferry-worker")).toEqual(
      expect.arrayContaining(["SHARED", "HTTPS_PROXY", "GITHUB_TOKEN"]),
    );
    expect(namesOf("ferry-worker")).not.toContain("GITHUB_WEBHOOK_SECRET");
  });

  it("gives each component only its own secrets: the receiver webhook secrets and Redis, the worker no webhook secret", async () => {
    const objects = await template(secretValues);
    const secretsOf = (name: string): Record<string, string> =>
      Object.fromEntries(
        Object.entries(envOf(deployment(only(objects, "Deployment", name)).container)).filter(([, value]) =>
          value.startsWith("from-secret-"),
        ),
      );
    expect(secretsOf("ferry-receiver")).toEqual({
      REDIS_URL: "from-secret-ferry-redis-url",
      REDIS_PASSWORD: "from-secret-ferry-redis-auth-redis-password",
      GITHUB_WEBHOOK_SECRET: "from-secret-ferry-secrets-github-webhook-secret",
    });
    expect(Object.keys(secretsOf("ferry-worker")).sort()).toEqual([
      "FERRY_STATE_KEY",
      "GITHUB_TOKEN",
      "PROD_KUBECONFIG",
      "REDIS_PASSWORD",
      "REDIS_URL",
    ]);
    // What each process then reads: the receiver's ferry.yaml resolves with its own environment.
    const text =
      (only(objects, "ConfigMap", "ferry") as KubeObject & { data: Record<string, string> }).data[
        "ferry.yaml"
      ] ?? "";
    const receiverEnv = envOf(deployment(only(objects, "Deployment", "ferry-receiver")).container);
    // (REDIS_URL comes from a Secret here; give it a value Ferry's schema accepts.)
    const receiverConfig = parseConfigText(
      text,
      { ...receiverEnv, REDIS_URL: "redis://redis:6379" },
      "ferry.yaml",
      "receiver",
    );
    expect(receiverConfig.redis.password).toBe("from-secret-ferry-redis-auth-redis-password");
    expect(receiverConfig.forges[0]?.webhookSecret).toBe("from-secret-ferry-secrets-github-webhook-secret");
    expect(JSON.stringify(receiverConfig)).not.toContain("github-token");
    expect(JSON.stringify(receiverConfig)).not.toContain("prod-kubeconfig");
    // ...and the worker's with its own: tokens and cluster credentials, no webhook secret.
    const workerEnv = envOf(deployment(only(objects, "Deployment", "ferry-worker")).container);
    const workerConfig = parseConfigText(
      text,
      { ...workerEnv, REDIS_URL: "redis://redis:6379" },
      "ferry.yaml",
      "worker",
    );
    expect(workerConfig.forges[0]?.token).toBe("from-secret-ferry-secrets-github-token");
    expect(JSON.stringify(workerConfig)).not.toContain("webhook-secret");
  });

  it("generates a state key unless one is named, requires an external Redis' password from a Secret, and names ACL users per component", async () => {
    const { stateKey: _omitted, ...noStateKey } = minimalValues;
    const generated = await template(noStateKey);
    const secret = only(generated, "Secret", "ferry-state");
    const data = (secret.data as Record<string, string>)["state-key"] ?? "";
    // What FERRY_STATE_KEY wants: 32 random bytes in base64 (the Secret's data is base64 again).
    expect(Buffer.from(Buffer.from(data, "base64").toString("utf8"), "base64")).toHaveLength(32);
    expect(secret.metadata.annotations?.["helm.sh/resource-policy"]).toBe("keep");
    expect(envOf(deployment(only(generated, "Deployment", "ferry-worker")).container).FERRY_STATE_KEY).toBe(
      "from-secret-ferry-state-state-key",
    );
    expect(find(await template(minimalValues), "Secret")).toEqual([]);
    expect(await failure({ ...minimalValues, stateKey: { existingSecret: "s", key: 7 } })).toMatch(
      /stateKey/,
    );
    expect(await failure({ ...minimalValues, redis: { url: "redis://r:6379" } })).toContain(
      "Redis needs a password: set redis.auth.existingSecret",
    );
    const open = await template({
      ...minimalValues,
      redis: { url: "redis://r:6379", auth: { enabled: false } },
    });
    for (const name of ["ferry-receiver", "ferry-worker"]) {
      expect(envOf(deployment(only(open, "Deployment", name)).container)).not.toHaveProperty(
        "REDIS_PASSWORD",
      );
    }
    const usernames = { receiver: "ferry-receiver", worker: "ferry-worker" };
    const acl = await template({
      ...minimalValues,
      redis: { ...minimalValues.redis, auth: { ...minimalValues.redis.auth, usernames } },
    });
    for (const name of ["ferry-receiver", "ferry-worker"]) {
      expect(envOf(deployment(only(acl, "Deployment", name)).container).REDIS_USERNAME).toBe(name);
    }
    expect(
      await failure({
        ...minimalValues,
        redis: {
          ...minimalValues.redis,
          auth: { ...minimalValues.redis.auth, usernames: { receiver: "r" } },
        },
      }),
    ).toContain("redis.auth.usernames needs both");
  });

  it("refuses a literal secret in the config and a ${NAME} without a source", async () => {
    const literal = structuredClone(secretValues);
    literal.config.forges[0]!.webhookSecret = "hunter2";
    expect(await failure(literal)).toContain("config.forges[0].webhookSecret must be a ${NAME} reference");
    const unmapped = {
      ...secretValues,
      secrets: { existingSecret: "ferry-secrets", env: { GITHUB_TOKEN: "t", PROD_KUBECONFIG: "k" } },
    };
    expect(await failure(unmapped)).toContain(
      "config references ${GITHUB_WEBHOOK_SECRET} but no environment variable",
    );
    const noSecret = { ...secretValues, secrets: { env: secretValues.secrets.env } };
    expect(await failure(noSecret)).toContain("set secrets.existingSecret");
  });

  it("fails with a clear message when a Redis mode lacks what it needs", async () => {
    expect(await failure({ ...minimalValues, redis: { mode: "external" } })).toContain(
      "ferry: redis.mode external needs redis.url",
    );
    expect(
      await failure({ ...minimalValues, redis: { mode: "sentinel", sentinel: { masterName: "m" } } }),
    ).toContain("ferry: redis.mode sentinel needs redis.sentinel.masterName and redis.sentinel.nodes");
    expect(
      await failure({
        ...minimalValues,
        redis: { ...minimalValues.redis, mode: "cluster", cluster: { nodes: [] } },
      }),
    ).toContain("ferry: redis.mode cluster needs redis.cluster.nodes");
    expect(
      await failure({
        ...minimalValues,
        redis: { cluster: { nodes: ["r:7000"] }, prefix: "ferry", auth: minimalValues.redis.auth },
      }),
    ).toContain("redis.prefix needs a {hash tag}");
    expect(await failure({ config: { redis: { url: "redis://x" } }, ...minimalValues })).toContain(
      "do not set config.redis",
    );
  });

  it("rejects values that break values.schema.json", async () => {
    for (const values of [
      { ...minimalValues, rbac: { scope: "galaxy" } },
      { ...minimalValues, receiver: { replicaCount: "two" } },
      { ...minimalValues, recever: { replicaCount: 1 } },
      { ...minimalValues, worker: { queues: ["deploy"] } },
      { redis: { url: "http://redis:6379" } },
    ]) {
      expect(await failure(values), JSON.stringify(values)).toContain("values don't meet the specifications");
    }
  });

  it("in namespaced mode, binds a Role per listed namespace and nothing cluster-wide", async () => {
    const objects = await template({
      ...minimalValues,
      rbac: { scope: "namespaced", namespaces: ["team-a", "team-b"] },
    });
    expect(find(objects, "ClusterRole")).toEqual([]);
    expect(find(objects, "ClusterRoleBinding")).toEqual([]);
    const roles = find(objects, "Role").map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
    expect(roles.sort()).toEqual(["ferry/ferry-state", "team-a/ferry", "team-b/ferry"]);
    for (const binding of find(objects, "RoleBinding")) {
      expect((binding as KubeObject & { subjects: unknown[] }).subjects).toEqual([
        { kind: "ServiceAccount", name: "ferry", namespace: "ferry" },
      ]);
    }
    const text = JSON.stringify(find(objects, "Role"));
    expect(text).not.toContain("namespaces");
    expect(text).not.toContain("customresourcedefinitions");
    expect(await failure({ ...minimalValues, rbac: { scope: "namespaced" } })).toContain(
      "rbac.scope=namespaced needs rbac.namespaces",
    );
  });

  it("drops every Secret permission when manageSecrets is off", async () => {
    const objects = await template({ ...minimalValues, rbac: { scope: "cluster", manageSecrets: false } });
    expect(JSON.stringify(only(objects, "ClusterRole", "ferry"))).not.toContain("secrets");
    const withSecrets = await template({ ...minimalValues, rbac: { scope: "cluster" } });
    expect(JSON.stringify(only(withSecrets, "ClusterRole", "ferry"))).toContain('"secrets"');
  });

  it("exposes only webhooks and previews through the Ingress", async () => {
    const objects = await template({
      ...minimalValues,
      ingress: {
        enabled: true,
        className: "nginx",
        host: "ferry.test",
        tls: [{ secretName: "tls", hosts: ["ferry.test"] }],
      },
    });
    const spec = only(objects, "Ingress", "ferry").spec as {
      ingressClassName: string;
      rules: Array<{ host: string; http: { paths: Array<{ path: string; backend: unknown }> } }>;
    };
    expect(spec.ingressClassName).toBe("nginx");
    expect(spec.rules[0]?.host).toBe("ferry.test");
    expect(spec.rules[0]?.http.paths.map((p) => p.path)).toEqual(["/webhooks", "/previews"]);
    expect(spec.rules[0]?.http.paths[0]?.backend).toEqual({
      service: { name: "ferry", port: { name: "http" } },
    });
  });

  it("uses a fixed replica count without the HPA", async () => {
    const objects = await template({
      ...minimalValues,
      receiver: { replicaCount: 3, autoscaling: { enabled: false } },
    });
    expect(find(objects, "HorizontalPodAutoscaler")).toEqual([]);
    expect(deployment(only(objects, "Deployment", "ferry-receiver")).replicas).toBe(3);
  });

  it("passes worker queues, the image digest, a ServiceMonitor and worker probes when asked", async () => {
    const digest = `sha256:${"a".repeat(64)}`;
    const objects = await template({
      ...minimalValues,
      image: { repository: "registry.test/ferry", digest },
      worker: { queues: ["preview", "sync"], http: { enabled: true } },
      serviceMonitor: { enabled: true },
    });
    const worker = deployment(only(objects, "Deployment", "ferry-worker"));
    expect(worker.container.args).toEqual([
      "worker",
      "--config",
      "/etc/ferry/ferry.yaml",
      "--queues",
      "preview,sync",
      "--http-port",
      "8080",
    ]);
    expect(worker.container.image).toBe(`registry.test/ferry@${digest}`);
    expect(worker.container.readinessProbe?.httpGet?.path).toBe("/readyz");
    const monitor = only(objects, "ServiceMonitor", "ferry").spec as {
      endpoints: Array<{ path: string; port: string }>;
    };
    expect(monitor.endpoints).toEqual([expect.objectContaining({ port: "http", path: "/metrics" })]);
    expect(only(objects, "Service", "ferry-worker").spec).toMatchObject({ clusterIP: "None" });
  });
});

describe("chart metadata", () => {
  it("passes helm lint --strict with the CI values", async () => {
    const result = await helm(["lint", "--strict", chartDir], minimalValues);
    expect(result.stderr + result.stdout).toContain("0 chart(s) failed");
    expect(result.code).toBe(0);
  });

  it("lints with the chart's defaults too (helm lint reports `fail` as info) but not with bad values", async () => {
    expect((await helm(["lint", "--strict", chartDir], {})).code).toBe(0);
    const bad = await helm(["lint", "--strict", chartDir], { ...minimalValues, service: { port: 0 } });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).toContain("/service/port");
  });

  it("follows package.json's version as appVersion", () => {
    const chart = readFileSync(join(chartDir, "Chart.yaml"), "utf8");
    const { version } = JSON.parse(readFileSync(join(chartDir, "..", "..", "package.json"), "utf8")) as {
      version: string;
    };
    expect(chart).toMatch(/^apiVersion: v2$/m);
    expect(chart).toContain(`appVersion: "${version}"`);
  });
});

describe("chart impersonation mode (issue 12)", () => {
  const accounts = [
    { namespace: "web", name: "ferry-deployer" },
    { namespace: "api", name: "ferry-deployer" },
    { namespace: "api", name: "migrator" },
  ];

  it("lets the worker only impersonate the named ServiceAccounts and keep its own state", async () => {
    const objects = await template({
      ...minimalValues,
      rbac: { scope: "impersonate", serviceAccounts: accounts },
    });
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
    const rulesOf = (object: KubeObject) => (object as KubeObject & { rules: Rule[] }).rules;
    expect(find(objects, "ClusterRole").map((r) => r.metadata.name)).toEqual(["ferry-impersonate-groups"]);
    expect(rulesOf(only(objects, "ClusterRole", "ferry-impersonate-groups"))).toEqual([
      {
        apiGroups: [""],
        resources: ["groups"],
        verbs: ["impersonate"],
        resourceNames: [
          "system:serviceaccounts",
          "system:authenticated",
          "system:serviceaccounts:web",
          "system:serviceaccounts:api",
        ],
      },
    ]);
    const roles = find(objects, "Role").map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
    expect(roles.sort()).toEqual(["api/ferry-impersonate", "ferry/ferry-state", "web/ferry-impersonate"]);
    const api = find(objects, "Role").find((r) => r.metadata.namespace === "api");
    expect(rulesOf(api!)).toEqual([
      {
        apiGroups: [""],
        resources: ["serviceaccounts"],
        verbs: ["impersonate", "get"],
        resourceNames: ["ferry-deployer", "migrator"],
      },
    ]);
    expect(rulesOf(only(objects, "Role", "ferry-state"))).toEqual([
      {
        apiGroups: [""],
        resources: ["configmaps"],
        verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
      },
    ]);
    // No deploy rights of its own anywhere: nothing but impersonation and its state.
    const text = JSON.stringify([...find(objects, "ClusterRole"), ...find(objects, "Role")]);
    for (const kind of ["deployments", "secrets", "namespaces", "pods"]) expect(text).not.toContain(kind);
    for (const binding of [...find(objects, "RoleBinding"), ...find(objects, "ClusterRoleBinding")]) {
      expect((binding as KubeObject & { subjects: unknown[] }).subjects).toEqual([
        { kind: "ServiceAccount", name: "ferry", namespace: "ferry" },
      ]);
    }
  });

  it("keeps the wide mode behind an explicit value; impersonation without accounts grants nothing", async () => {
    const wide = await template({ ...minimalValues, rbac: { scope: "cluster" } });
    expect(JSON.stringify(only(wide, "ClusterRole", "ferry"))).toContain('"deployments"');
    expect(JSON.stringify(wide)).not.toContain("impersonate");
    const none = await template({ ...minimalValues, rbac: { scope: "impersonate" } });
    expect(JSON.stringify(none)).not.toContain("impersonate");
    expect(find(none, "Role").map((r) => r.metadata.name)).toEqual(["ferry-state"]);
    const notes = await helm(
      ["install", "ferry", chartDir, "--namespace", "ferry", "--dry-run=client"],
      minimalValues,
    );
    expect(notes.stdout).toContain("No rbac.serviceAccounts are listed");
  });
});
