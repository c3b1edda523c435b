// How Ferry reaches one cluster of ferry.yaml (a KubeAccess): the API server's URL, the TLS
// options to verify it and present a client certificate, and the headers that authenticate
// each request. Read from kubeconfig files (the format kubectl reads:
// https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/) or
// from the pod's ServiceAccount.
//
// Written here rather than taken from @kubernetes/client-node's KubeConfig on purpose: Ferry
// sends every API call itself (request.ts) and needed only that class, yet importing it costs
// each worker ≈ 70–84 MiB of RSS (it loads the whole generated API, undici, socks and hpagent),
// a third of the fleet's memory budget. npm has no small maintained kubeconfig reader. The
// cross-check in test/integration/kube/kubeconfig.test.ts keeps this in step with client-node.
import { existsSync, readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import * as yaml from "js-yaml";
import { z } from "zod";
import type { ClusterConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { execCredentialSource, execConfigSchema } from "./exec-credential.ts";

/** What a TLS connection to the API server needs (fields of node's tls.connect options). */
export interface KubeTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
  rejectUnauthorized: boolean;
}

/** The credentials of one request: TLS material and headers (Authorization, Impersonate-*). */
export interface KubeAuth {
  tls: KubeTls;
  headers: Record<string, string | string[]>;
}

export interface KubeAccess {
  /** The API server's base URL, without a trailing slash. */
  readonly server: string;
  /** An HTTP proxy to tunnel through (CONNECT), from the kubeconfig's proxy-url. */
  readonly proxy?: URL;
  /** Reads the credentials for the next request: token files re-read, exec plugins cached. */
  authorize(): Promise<KubeAuth>;
}

/** Where the kubelet mounts a pod's ServiceAccount credentials. */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

const base64 = z.string().regex(/^[A-Za-z0-9+/=\s]*$/, "must be base64");

const kubeClusterSchema = z.looseObject({
  server: z.url({ protocol: /^https?$/ }),
  "certificate-authority": z.string().min(1).optional(),
  "certificate-authority-data": base64.optional(),
  "insecure-skip-tls-verify": z.boolean().optional(),
  "tls-server-name": z.string().min(1).optional(),
  "proxy-url": z.url({ protocol: /^https?$/, error: "only http(s):// proxies are supported" }).optional(),
});

const kubeUserSchema = z.looseObject({
  "client-certificate": z.string().min(1).optional(),
  "client-certificate-data": base64.optional(),
  "client-key": z.string().min(1).optional(),
  "client-key-data": base64.optional(),
  token: z.string().min(1).optional(),
  tokenFile: z.string().min(1).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  exec: execConfigSchema.optional(),
  "auth-provider": z.looseObject({ name: z.string().optional() }).optional(),
});

/** The file's shape; entries are checked in depth only once a context selects them. */
const kubeconfigFileSchema = z.looseObject({
  clusters: z.array(z.looseObject({ name: z.string().min(1), cluster: z.looseObject({}) })).nullish(),
  users: z.array(z.looseObject({ name: z.string().min(1), user: z.looseObject({}).nullish() })).nullish(),
  contexts: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        context: z.looseObject({ cluster: z.string().min(1), user: z.string().optional() }),
      }),
    )
    .nullish(),
  "current-context": z.string().nullish(),
});

interface Entry {
  name: string;
  body: Record<string, unknown>;
  /** Relative paths in the entry are relative to the file that holds it. */
  dir: string;
}

/** Several kubeconfig files merged as kubectl does: the first file wins per name. */
interface MergedKubeconfig {
  files: string[];
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  contexts: Map<string, { cluster: string; user?: string | undefined }>;
  currentContext?: string | undefined;
}

function invalid(cluster: string, message: string): AppError {
  return new AppError("CONFIG_INVALID", `cluster "${cluster}": ${message}`);
}

/** Zod's issues as "field: problem" (never the value: it may be a key or a token). */
function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "(top)"}: ${issue.message}`).join("; ");
}

function readKubeconfigs(cluster: string, files: string[]): MergedKubeconfig {
  const merged: MergedKubeconfig = { files, clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw invalid(cluster, `cannot read kubeconfig ${file}: ${(error as Error).message}`);
    }
    let document: unknown;
    try {
      document = yaml.load(text);
    } catch (error) {
      const reason = error instanceof yaml.YAMLException ? error.reason : "not YAML";
      const line = error instanceof yaml.YAMLException && error.mark ? ` (line ${error.mark.line + 1})` : "";
      throw invalid(cluster, `kubeconfig ${file} is not valid YAML: ${reason}${line}`);
    }
    const parsed = kubeconfigFileSchema.safeParse(document ?? {});
    if (!parsed.success) throw invalid(cluster, `kubeconfig ${file}: ${describeIssues(parsed.error)}`);
    const dir = dirname(resolve(file));
    for (const entry of parsed.data.clusters ?? []) {
      if (!merged.clusters.has(entry.name))
        merged.clusters.set(entry.name, { name: entry.name, body: entry.cluster, dir });
    }
    for (const entry of parsed.data.users ?? []) {
      if (!merged.users.has(entry.name))
        merged.users.set(entry.name, { name: entry.name, body: entry.user ?? {}, dir });
    }
    for (const entry of parsed.data.contexts ?? []) {
      if (!merged.contexts.has(entry.name)) merged.contexts.set(entry.name, entry.context);
    }
    merged.currentContext ||= parsed.data["current-context"] || undefined;
  }
  return merged;
}

/** A file read again whenever it changes (projected ServiceAccount tokens rotate in place). */
function watchedFile(path: string): () => Promise<string> {
  let seen = "";
  let content = "";
  return async () => {
    const info = await stat(path);
    const version = `${info.ino} ${info.size} ${info.mtimeMs} ${info.ctimeMs}`;
    if (version !== seen) {
      content = (await readFile(path, "utf8")).trim();
      seen = version;
    }
    return content;
  };
}

const readData = (cluster: string, what: string, path: string): Buffer => {
  try {
    return readFileSync(path);
  } catch (error) {
    throw invalid(cluster, `cannot read ${what} ${path}: ${(error as Error).message}`);
  }
};

/** How a user's credentials reach a request, decided once at load. */
type Credentials = () => Promise<{ headers: Record<string, string>; cert?: Buffer; key?: Buffer }>;

function userCredentials(clusterName: string, user: Entry, server: URL, tls: KubeTls): Credentials {
  const where = `kubeconfig user "${user.name}"`;
  const parsed = kubeUserSchema.safeParse(user.body);
  if (!parsed.success) throw invalid(clusterName, `${where}: ${describeIssues(parsed.error)}`);
  const spec = parsed.data;
  if (spec["auth-provider"]) {
    throw invalid(
      clusterName,
      `${where} uses auth-provider "${spec["auth-provider"].name ?? "?"}", which Kubernetes clients ` +
        "no longer support; use an exec credential plugin (e.g. gke-gcloud-auth-plugin, kubelogin)",
    );
  }
  const path = (p: string) => (isAbsolute(p) ? p : join(user.dir, p));
  const cert = spec["client-certificate-data"]
    ? Buffer.from(spec["client-certificate-data"], "base64")
    : spec["client-certificate"] &&
      readData(clusterName, "client-certificate", path(spec["client-certificate"]));
  const key = spec["client-key-data"]
    ? Buffer.from(spec["client-key-data"], "base64")
    : spec["client-key"] && readData(clusterName, "client-key", path(spec["client-key"]));
  if (Boolean(cert) !== Boolean(key))
    throw invalid(clusterName, `${where}: client-certificate and client-key must be set together`);
  const certificate = cert && key ? { cert, key } : {};

  if (spec.exec) {
    const exec = execCredentialSource(spec.exec, { dir: user.dir, server, tls, what: `${where} exec` });
    return async () => {
      const issued = await exec();
      const headers: Record<string, string> = issued.token ? { authorization: `Bearer ${issued.token}` } : {};
      return { headers, ...certificate, ...issued.certificate };
    };
  }
  if (spec.token) {
    const headers = { authorization: `Bearer ${spec.token}` };
    return () => Promise.resolve({ headers, ...certificate });
  }
  if (spec.tokenFile) {
    const token = watchedFile(path(spec.tokenFile));
    return async () => ({ headers: { authorization: `Bearer ${await token()}` }, ...certificate });
  }
  if (spec.username !== undefined && spec.password !== undefined) {
    // Basic authentication: the API server has not accepted it since Kubernetes 1.19, but an
    // authenticating proxy in front of it may; sent as client-node and kubectl send it.
    const basic = Buffer.from(`${spec.username}:${spec.password}`).toString("base64");
    const headers = { authorization: `Basic ${basic}` };
    return () => Promise.resolve({ headers, ...certificate });
  }
  return () => Promise.resolve({ headers: {}, ...certificate });
}

function clusterTls(clusterName: string, entry: Entry): { server: URL; tls: KubeTls; proxy?: URL } {
  const parsed = kubeClusterSchema.safeParse(entry.body);
  if (!parsed.success)
    throw invalid(clusterName, `kubeconfig cluster "${entry.name}": ${describeIssues(parsed.error)}`);
  const spec = parsed.data;
  const authority = spec["certificate-authority"];
  const ca = spec["certificate-authority-data"]
    ? Buffer.from(spec["certificate-authority-data"], "base64")
    : authority &&
      readData(
        clusterName,
        "certificate-authority",
        isAbsolute(authority) ? authority : join(entry.dir, authority),
      );
  const tls: KubeTls = {
    rejectUnauthorized: spec["insecure-skip-tls-verify"] !== true,
    ...(ca ? { ca } : {}),
    ...(spec["tls-server-name"] ? { servername: spec["tls-server-name"] } : {}),
  };
  return {
    server: new URL(spec.server),
    tls,
    ...(spec["proxy-url"] ? { proxy: new URL(spec["proxy-url"]) } : {}),
  };
}

function accessFrom(server: URL, tls: KubeTls, credentials: Credentials, proxy?: URL): KubeAccess {
  return {
    server: server.href.replace(/\/$/, ""),
    ...(proxy ? { proxy } : {}),
    authorize: async () => {
      const { headers, cert, key } = await credentials();
      return { tls: cert && key ? { ...tls, cert, key } : tls, headers };
    },
  };
}

function fromKubeconfigs(cluster: ClusterConfig, files: string[]): KubeAccess {
  const merged = readKubeconfigs(cluster.name, files);
  const contextName = cluster.context ?? merged.currentContext;
  if (!contextName) throw invalid(cluster.name, `kubeconfig ${files.join(", ")} sets no current-context`);
  const context = merged.contexts.get(contextName);
  if (!context) throw invalid(cluster.name, `context "${contextName}" not found`);
  const clusterEntry = merged.clusters.get(context.cluster);
  if (!clusterEntry)
    throw invalid(
      cluster.name,
      `context "${contextName}" names cluster "${context.cluster}", which is not defined`,
    );
  const userEntry: Entry =
    context.user === undefined
      ? { name: "(none)", body: {}, dir: clusterEntry.dir }
      : (merged.users.get(context.user) ??
        (() => {
          throw invalid(
            cluster.name,
            `context "${contextName}" names user "${context.user}", which is not defined`,
          );
        })());
  const { server, tls, proxy } = clusterTls(cluster.name, clusterEntry);
  return accessFrom(server, tls, userCredentials(cluster.name, userEntry, server, tls), proxy);
}

/**
 * The pod's own ServiceAccount
 * (https://kubernetes.io/docs/tasks/run-application/access-api-from-pod/): the API server from
 * KUBERNETES_SERVICE_HOST/PORT, the CA and the token (re-read as the kubelet rotates it).
 */
export function inClusterAccess(
  clusterName: string,
  env: NodeJS.ProcessEnv = process.env,
  dir: string = SERVICE_ACCOUNT_DIR,
): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw invalid(
      clusterName,
      "inCluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not in a pod?)",
    );
  }
  const tokenPath = join(dir, "token");
  if (!existsSync(tokenPath)) throw invalid(clusterName, `inCluster: ${tokenPath} does not exist`);
  const server = new URL(`https://${host.includes(":") ? `[${host}]` : host}:${port}`);
  const tls: KubeTls = {
    rejectUnauthorized: true,
    ca: readData(clusterName, "inCluster CA", join(dir, "ca.crt")),
  };
  const token = watchedFile(tokenPath);
  return accessFrom(server, tls, async () => ({ headers: { authorization: `Bearer ${await token()}` } }));
}

/** $KUBECONFIG's files (a list, merged), else ~/.kube/config; none when neither exists. */
function defaultKubeconfigs(env: NodeJS.ProcessEnv): string[] {
  const listed = (env.KUBECONFIG ?? "").split(delimiter).filter((file) => file !== "");
  if (listed.length > 0) return listed.filter((file) => existsSync(file));
  const home = join(env.HOME || homedir(), ".kube", "config");
  return existsSync(home) ? [home] : [];
}

/**
 * The access for one cluster of ferry.yaml: its kubeconfig file (the `context` given, else the
 * file's current context), the pod's ServiceAccount (`inCluster`), or by default $KUBECONFIG,
 * ~/.kube/config or the ServiceAccount, as kubectl looks for them.
 */
export function loadKubeConfig(cluster: ClusterConfig, env: NodeJS.ProcessEnv = process.env): KubeAccess {
  if (cluster.inCluster) return inClusterAccess(cluster.name, env);
  if (cluster.kubeconfig) return fromKubeconfigs(cluster, [cluster.kubeconfig]);
  const files = defaultKubeconfigs(env);
  if (files.length > 0) return fromKubeconfigs(cluster, files);
  if (env.KUBERNETES_SERVICE_HOST) return inClusterAccess(cluster.name, env);
  throw invalid(
    cluster.name,
    "no kubeconfig: set kubeconfig or inCluster, $KUBECONFIG, or create ~/.kube/config",
  );
}
