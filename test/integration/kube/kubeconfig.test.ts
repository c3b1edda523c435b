// Ferry's kubeconfig reader (src/kube/kubeconfig.ts) against the real control plane: every
// credential form it supports authenticates for real (the apiserver's SelfSubjectReview says as
// whom), and for the same files it yields what @kubernetes/client-node's KubeConfig yields.
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import * as yaml from "js-yaml";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import type { ClusterConfig } from "../../../src/config/schema.ts";
import { isAppError, type AppError } from "../../../src/errors.ts";
import { closeServer } from "../../../src/http/server.ts";
import { kubeClientFor } from "../../../src/kube/client.ts";
import { impersonating } from "../../../src/kube/impersonation.ts";
import { inClusterAccess, loadKubeConfig, type KubeAccess } from "../../../src/kube/kubeconfig.ts";
import { send, sendOk } from "../../../src/kube/request.ts";
import { testKubeConfig, useNamespace } from "../../support/cluster.ts";

const EXEC_FIXTURE = resolve("test/fixtures/kubeconfig/exec-credential.ts");

interface AdminParts {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

/** The run's admin kubeconfig, decoded (it uses client certificates). */
async function adminParts(): Promise<AdminParts> {
  const doc = yaml.load(await readFile(inject("kubeconfig"), "utf8")) as {
    clusters: Array<{ cluster: Record<string, string> }>;
    users: Array<{ user: Record<string, string> }>;
  };
  const cluster = doc.clusters[0]?.cluster ?? {};
  const user = doc.users[0]?.user ?? {};
  const decode = (data: string | undefined) => Buffer.from(data ?? "", "base64").toString("utf8");
  return {
    server: cluster.server ?? "",
    ca: decode(cluster["certificate-authority-data"]),
    cert: decode(user["client-certificate-data"]),
    key: decode(user["client-key-data"]),
  };
}

/** A kubeconfig of one context `main` with the given cluster and user entries. */
function kubeconfigText(cluster: Record<string, unknown>, user: Record<string, unknown>, extra = {}): string {
  return yaml.dump({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster }],
    users: [{ name: "u", user }],
    contexts: [{ name: "main", context: { cluster: "c", user: "u" } }],
    "current-context": "main",
    ...extra,
  });
}

const clusterOf = (kubeconfig: string, context?: string): ClusterConfig => ({
  name: "target",
  kubeconfig,
  inCluster: false,
  ...(context ? { context } : {}),
});

/** Whom the apiserver takes the caller for. */
async function whoAmI(access: KubeAccess): Promise<string> {
  const review = (await sendOk(access, {
    method: "POST",
    path: "/apis/authentication.k8s.io/v1/selfsubjectreviews",
    body: { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" },
  })) as { status: { userInfo: { username: string } } };
  return review.status.userInfo.username;
}

/** A ServiceAccount and a short-lived token for it from the TokenRequest API. */
async function serviceAccountToken(namespace: string, name: string): Promise<string> {
  const admin = testKubeConfig();
  await sendOk(admin, {
    method: "POST",
    path: `/api/v1/namespaces/${namespace}/serviceaccounts`,
    body: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name } },
  });
  const answer = (await sendOk(admin, {
    method: "POST",
    path: `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    body: { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 3600 } },
  })) as { status: { token: string } };
  return answer.status.token;
}

async function configError(load: () => unknown): Promise<AppError> {
  try {
    await load();
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error("expected an error");
}

describe("kubeconfig per cluster of ferry.yaml", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ferry-kubeconfig-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const ns = useNamespace("kubeconfig");
  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it("loads a kubeconfig file with a named context and talks to the cluster", async () => {
    const cluster = {
      name: "local",
      kubeconfig: inject("kubeconfig"),
      context: "ferry-local",
      inCluster: false,
    };
    const info = await kubeClientFor(cluster).resource("apps/v1", "Deployment");
    expect(info).toMatchObject({ plural: "deployments", namespaced: true });
  });

  it("fails with CONFIG_INVALID for a missing file or an unknown context", () => {
    expect(() =>
      loadKubeConfig({ name: "a", kubeconfig: "/nonexistent/kubeconfig", inCluster: false }),
    ).toThrow(expect.objectContaining({ code: "CONFIG_INVALID" }));
    expect(() =>
      loadKubeConfig({ name: "b", kubeconfig: inject("kubeconfig"), context: "prod", inCluster: false }),
    ).toThrow('cluster "b": context "prod" not found');
  });

  it("authenticates with client certificates from files relative to the kubeconfig", async () => {
    const admin = await adminParts();
    await file("ca.crt", admin.ca);
    await file("admin.crt", admin.cert);
    await file("admin.key", admin.key);
    const kubeconfig = await file(
      "config",
      kubeconfigText(
        { server: admin.server, "certificate-authority": "ca.crt" },
        { "client-certificate": "admin.crt", "client-key": "admin.key" },
      ),
    );
    const name = await whoAmI(loadKubeConfig(clusterOf(kubeconfig)));
    expect(name).toBe(await whoAmI(testKubeConfig()));
    expect(name).not.toMatch(/^system:(anonymous|serviceaccount:)/);
  });

  it("authenticates with a ServiceAccount token and as the project's account when impersonating", async () => {
    const admin = await adminParts();
    const token = await serviceAccountToken(ns.name, "deployer");
    const kubeconfig = await file(
      "config",
      kubeconfigText(
        { server: admin.server, "certificate-authority-data": Buffer.from(admin.ca).toString("base64") },
        { token },
      ),
    );
    const access = loadKubeConfig(clusterOf(kubeconfig));
    expect(await whoAmI(access)).toBe(`system:serviceaccount:${ns.name}:deployer`);
    // The account may not impersonate anyone: the apiserver saw the Impersonate-User header.
    const as = impersonating(access, { user: "someone", groups: ["system:authenticated"] });
    const refused = await configError(() => whoAmI(as));
    expect(refused.details).toMatchObject({ httpStatus: 403 });
    expect(refused.message).toContain("cannot impersonate");
  });

  it("re-reads a tokenFile when it is rotated, as the kubelet rotates projected tokens", async () => {
    const admin = await adminParts();
    const first = await serviceAccountToken(ns.name, "first");
    const second = await serviceAccountToken(ns.name, "second");
    const tokenFile = await file("token", first);
    const kubeconfig = await file(
      "config",
      kubeconfigText(
        { server: admin.server, "certificate-authority-data": Buffer.from(admin.ca).toString("base64") },
        { tokenFile: "token" },
      ),
    );
    const access = loadKubeConfig(clusterOf(kubeconfig));
    expect(await whoAmI(access)).toBe(`system:serviceaccount:${ns.name}:first`);
    // An atomic swap, as the kubelet's projected volumes do it.
    await writeFile(join(dir, "token.new"), second);
    await rename(join(dir, "token.new"), tokenFile);
    expect(await whoAmI(access)).toBe(`system:serviceaccount:${ns.name}:second`);
  });

  it("runs an exec credential plugin, caches its token until it expires, and uses a certificate it returns", async () => {
    const admin = await adminParts();
    const token = await serviceAccountToken(ns.name, "exec");
    const runs = join(dir, "runs");
    const caData = Buffer.from(admin.ca).toString("base64");
    const execUser = (apiVersion: string, env: Record<string, string>) => ({
      exec: {
        apiVersion,
        command: process.execPath,
        args: [EXEC_FIXTURE],
        env: Object.entries({ FIXTURE_RUNS: runs, ...env }).map(([name, value]) => ({ name, value })),
        interactiveMode: "Never",
      },
    });
    const runCount = async () => (await readFile(runs, "utf8").catch(() => "")).split("\n").filter(Boolean);

    const lasting = loadKubeConfig(
      clusterOf(
        await file(
          "v1",
          kubeconfigText(
            { server: admin.server, "certificate-authority-data": caData },
            execUser("client.authentication.k8s.io/v1", {
              FIXTURE_TOKEN: token,
              FIXTURE_EXPIRES: new Date(Date.now() + 3_600_000).toISOString(),
            }),
          ),
        ),
      ),
    );
    expect(await whoAmI(lasting)).toBe(`system:serviceaccount:${ns.name}:exec`);
    expect(await whoAmI(lasting)).toBe(`system:serviceaccount:${ns.name}:exec`);
    expect(await runCount()).toEqual(["batch"]);

    const expired = loadKubeConfig(
      clusterOf(
        await file(
          "v1beta1",
          kubeconfigText(
            { server: admin.server, "certificate-authority-data": caData },
            execUser("client.authentication.k8s.io/v1beta1", {
              FIXTURE_CERT: admin.cert,
              FIXTURE_KEY: admin.key,
              FIXTURE_EXPIRES: new Date(Date.now() - 1_000).toISOString(),
            }),
          ),
        ),
      ),
    );
    expect(await whoAmI(expired)).toBe(await whoAmI(testKubeConfig()));
    await whoAmI(expired);
    expect(await runCount()).toEqual(["batch", "batch", "batch"]);
  });

  it("reports a failing or misbehaving exec plugin clearly, without printing what it printed", async () => {
    const admin = await adminParts();
    const plugin = async (name: string, env: Record<string, string>) =>
      loadKubeConfig(
        clusterOf(
          await file(
            name,
            kubeconfigText(
              { server: admin.server, "insecure-skip-tls-verify": true },
              {
                exec: {
                  apiVersion: "client.authentication.k8s.io/v1",
                  command: process.execPath,
                  args: [EXEC_FIXTURE],
                  env: Object.entries(env).map(([key, value]) => ({ name: key, value })),
                },
              },
            ),
          ),
        ),
      );
    const failing = await plugin("failing", { FIXTURE_FAIL: "login required: run sso-login" });
    const failed = await configError(() => send(failing, { method: "GET", path: "/api" }));
    expect(failed.code).toBe("KUBE_UNAVAILABLE");
    expect(failed.message).toContain("login required: run sso-login");
    expect(failed.message).toContain('kubeconfig user "u" exec');

    const garbling = await plugin("garbling", { FIXTURE_PRINT: "secret-token-abc" });
    const garbled = await configError(() => send(garbling, { method: "GET", path: "/api" }));
    expect(garbled.code).toBe("KUBE_UNAVAILABLE");
    expect(garbled.message).toContain("printed no valid ExecCredential");
    expect(garbled.message).not.toContain("secret-token-abc");
  });

  it("sends basic credentials as kubectl does, which the apiserver does not accept", async () => {
    const admin = await adminParts();
    const kubeconfig = await file(
      "config",
      kubeconfigText(
        { server: admin.server, "certificate-authority-data": Buffer.from(admin.ca).toString("base64") },
        { username: "admin", password: "s3cret" },
      ),
    );
    const access = loadKubeConfig(clusterOf(kubeconfig));
    expect((await access.authorize()).headers.authorization).toBe(
      `Basic ${Buffer.from("admin:s3cret").toString("base64")}`,
    );
    // The apiserver (no basic authentication since 1.19) takes the caller for nobody.
    const refused = await configError(() => whoAmI(access));
    expect(refused.code).toBe("KUBE_REJECTED");
    expect(refused.message).toMatch(/Unauthorized|system:anonymous/);
  });

  it("merges a $KUBECONFIG list: the first file wins per name and for current-context", async () => {
    const admin = await adminParts();
    const first = await file(
      "first",
      yaml.dump({
        clusters: [{ name: "shared", cluster: { server: admin.server, "insecure-skip-tls-verify": true } }],
        contexts: [{ name: "one", context: { cluster: "shared", user: "admin" } }],
        "current-context": "one",
      }),
    );
    const second = await file(
      "second",
      yaml.dump({
        clusters: [{ name: "shared", cluster: { server: "https://127.0.0.1:1" } }],
        users: [
          {
            name: "admin",
            user: {
              "client-certificate-data": Buffer.from(admin.cert).toString("base64"),
              "client-key-data": Buffer.from(admin.key).toString("base64"),
            },
          },
        ],
        contexts: [{ name: "two", context: { cluster: "shared", user: "nobody" } }],
        "current-context": "two",
      }),
    );
    const env = { KUBECONFIG: [first, join(dir, "missing"), second].join(":"), HOME: dir };
    const access = loadKubeConfig({ name: "merged", inCluster: false }, env);
    expect(access.server).toBe(admin.server);
    expect(await whoAmI(access)).toBe(await whoAmI(testKubeConfig()));

    // Without $KUBECONFIG: ~/.kube/config.
    const home = await mkdtemp(join(dir, "home-"));
    await mkdir(join(home, ".kube"));
    await writeFile(join(home, ".kube", "config"), await readFile(inject("kubeconfig"), "utf8"));
    expect(loadKubeConfig({ name: "home", inCluster: false }, { HOME: home }).server).toBe(admin.server);
    // Neither, nor a pod: a clear error.
    const none = await configError(() => loadKubeConfig({ name: "none", inCluster: false }, { HOME: dir }));
    expect(none.code).toBe("CONFIG_INVALID");
    expect(none.message).toContain('cluster "none": no kubeconfig');
  });

  it("reads in-cluster credentials and re-reads the rotated token", async () => {
    const admin = await adminParts();
    const first = await serviceAccountToken(ns.name, "pod-a");
    const second = await serviceAccountToken(ns.name, "pod-b");
    await file("ca.crt", admin.ca);
    await file("token", first);
    const server = new URL(admin.server);
    const env = { KUBERNETES_SERVICE_HOST: server.hostname, KUBERNETES_SERVICE_PORT: server.port };
    const access = inClusterAccess("pod", env, dir);
    expect(access.server).toBe(admin.server);
    expect(await whoAmI(access)).toBe(`system:serviceaccount:${ns.name}:pod-a`);
    await writeFile(join(dir, "token.new"), second);
    await rename(join(dir, "token.new"), join(dir, "token"));
    expect(await whoAmI(access)).toBe(`system:serviceaccount:${ns.name}:pod-b`);

    const v6 = inClusterAccess(
      "pod",
      { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" },
      dir,
    );
    expect(v6.server).toBe("https://[fd00::1]");
    const outside = await configError(() => loadKubeConfig({ name: "pod", inCluster: true }, {}));
    expect(outside.message).toContain("KUBERNETES_SERVICE_HOST");
  });

  it("tunnels through the cluster's proxy-url with CONNECT", async () => {
    const admin = await adminParts();
    const tunnels: string[] = [];
    const proxy: Server = createServer((_req, res) => res.writeHead(405).end());
    const open = new Set<Socket>();
    proxy.on("connect", (req, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? "");
      open.add(client);
      const [host = "", port = ""] = (req.url ?? "").split(":");
      const upstream = netConnect(Number(port), host, () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", done));
    try {
      const address = proxy.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const kubeconfig = await file(
        "config",
        kubeconfigText(
          {
            server: admin.server,
            "certificate-authority-data": Buffer.from(admin.ca).toString("base64"),
            "proxy-url": `http://127.0.0.1:${port}`,
          },
          {
            "client-certificate-data": Buffer.from(admin.cert).toString("base64"),
            "client-key-data": Buffer.from(admin.key).toString("base64"),
          },
        ),
      );
      const access = loadKubeConfig(clusterOf(kubeconfig));
      expect(await whoAmI(access)).toBe(await whoAmI(testKubeConfig()));
      expect(tunnels).toEqual([new URL(admin.server).host]);
    } finally {
      // Ferry's agent keeps the tunnel alive; a CONNECT socket is no longer the server's to close.
      for (const socket of open) socket.destroy();
      await closeServer(proxy);
    }
  });

  it("refuses auth-provider, malformed YAML and invalid fields with CONFIG_INVALID naming the field, never the secret", async () => {
    const admin = await adminParts();
    const gcp = await file(
      "gcp",
      kubeconfigText({ server: admin.server }, { "auth-provider": { name: "gcp", config: {} } }),
    );
    const provider = await configError(() => loadKubeConfig(clusterOf(gcp)));
    expect(provider.code).toBe("CONFIG_INVALID");
    expect(provider.message).toContain('auth-provider "gcp"');
    expect(provider.message).toContain("exec credential plugin");

    const broken = await file("broken", "clusters: [ { name: c\n  cluster: {\n");
    const malformed = await configError(() => loadKubeConfig(clusterOf(broken)));
    expect(malformed.code).toBe("CONFIG_INVALID");
    expect(malformed.message).toContain(`cluster "target": kubeconfig ${broken} is not valid YAML`);

    const badServer = await file(
      "bad-server",
      kubeconfigText({ server: "not a url" }, { token: "tok-123456789" }),
    );
    const server = await configError(() => loadKubeConfig(clusterOf(badServer)));
    expect(server.message).toContain('cluster "target": kubeconfig cluster "c": server:');

    const badKey = await file(
      "bad-key",
      kubeconfigText(
        { server: admin.server },
        { "client-certificate-data": "!!not-base64 hunter2", token: 42 },
      ),
    );
    const key = await configError(() => loadKubeConfig(clusterOf(badKey)));
    expect(key.message).toContain('kubeconfig user "u"');
    expect(key.message).toContain("client-certificate-data: must be base64");
    expect(key.message).toContain("token:");
    expect(key.message).not.toContain("hunter2");

    const noUser = await file(
      "no-user",
      kubeconfigText(
        { server: admin.server },
        {},
        { contexts: [{ name: "main", context: { cluster: "c", user: "x" } }] },
      ),
    );
    expect((await configError(() => loadKubeConfig(clusterOf(noUser)))).message).toContain(
      'context "main" names user "x", which is not defined',
    );
  });

  it("yields the same server, CA and credentials as client-node's KubeConfig for the same files", async () => {
    const admin = await adminParts();
    await file("ca.crt", admin.ca);
    await file("admin.crt", admin.cert);
    await file("admin.key", admin.key);
    const caData = Buffer.from(admin.ca).toString("base64");
    const files = [
      inject("kubeconfig"),
      await file(
        "paths",
        kubeconfigText(
          { server: admin.server, "certificate-authority": "ca.crt" },
          { "client-certificate": "admin.crt", "client-key": "admin.key" },
        ),
      ),
      await file(
        "token",
        kubeconfigText(
          { server: admin.server, "insecure-skip-tls-verify": true, "tls-server-name": "kubernetes" },
          { token: "abc.def" },
        ),
      ),
      await file(
        "basic",
        kubeconfigText(
          { server: admin.server, "certificate-authority-data": caData },
          { username: "u", password: "p" },
        ),
      ),
      await file(
        "exec",
        kubeconfigText(
          { server: admin.server, "certificate-authority-data": caData },
          {
            exec: {
              apiVersion: "client.authentication.k8s.io/v1",
              command: process.execPath,
              args: [EXEC_FIXTURE],
              env: [{ name: "FIXTURE_TOKEN", value: "from-exec" }],
            },
          },
        ),
      ),
    ];
    const text = (data: Buffer | undefined) => data?.toString("utf8");
    for (const path of files) {
      const theirs = new KubeConfig();
      theirs.loadFromFile(path);
      const options: {
        headers?: Record<string, string>;
        auth?: string;
        ca?: Buffer;
        cert?: Buffer;
        key?: Buffer;
        rejectUnauthorized?: boolean;
        servername?: string;
      } = {};
      await theirs.applyToHTTPSOptions(options);
      const access = loadKubeConfig(clusterOf(path));
      const ours = await access.authorize();
      const theirAuthorization =
        options.headers?.Authorization ??
        (options.auth ? `Basic ${Buffer.from(options.auth).toString("base64")}` : undefined);
      expect({
        server: access.server,
        ca: text(ours.tls.ca),
        cert: text(ours.tls.cert),
        key: text(ours.tls.key),
        verify: ours.tls.rejectUnauthorized,
        servername: ours.tls.servername,
        authorization: ours.headers.authorization,
      }).toEqual({
        server: theirs.getCurrentCluster()?.server,
        ca: text(options.ca),
        cert: text(options.cert),
        key: text(options.key),
        verify: options.rejectUnauthorized !== false,
        servername: options.servername,
        authorization: theirAuthorization,
      });
    }
  });
});
