// Raw JSON requests to the apiserver with a cluster's credentials (kubeconfig.ts). Raw rather
// than generated clients so that objects stay plain JSON (no Date conversion, no dropped fields)
// for diffing, and every kind works the same way.
import { createHash } from "node:crypto";
import { Agent as HttpAgent, request as httpRequest, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { countKubeRequest } from "../observability/call-counts.ts";
import { apiError, networkError } from "./errors.ts";
import type { KubeAccess, KubeTls } from "./kubeconfig.ts";
import { ConnectProxyAgent } from "./proxy-agent.ts";

export interface KubeRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  /** Describes the call in error messages, e.g. `apply apps/v1 Deployment ns/web`. */
  what?: string;
}

export interface KubeResponse {
  status: number;
  body: unknown;
}

const TIMEOUT_MS = 30_000;
/** Agents kept; past this the oldest is dropped (exec plugins may issue new certificates). */
const MAX_AGENTS = 64;

// One agent per cluster and TLS credentials, shared by every KubeAccess loaded for them: a sync
// sends hundreds of requests, and a TLS handshake each would dominate. Calls share a keep-alive
// pool; watches (long-lived streams) get their own agent so they never hold the pool's sockets.
const agents = new Map<string, HttpAgent>();

function agentKey(access: KubeAccess, tls: KubeTls, purpose: "call" | "watch"): string {
  const hash = createHash("sha256");
  for (const part of [
    purpose,
    access.server,
    access.proxy?.href,
    tls.servername,
    String(tls.rejectUnauthorized),
  ])
    hash.update(`${part ?? ""}\0`);
  for (const data of [tls.ca, tls.cert, tls.key]) hash.update(data ?? "").update("\0");
  return hash.digest("hex");
}

function agentFor(access: KubeAccess, tls: KubeTls, purpose: "call" | "watch"): HttpAgent {
  const key = agentKey(access, tls, purpose);
  let agent = agents.get(key);
  if (!agent) {
    const pooling = purpose === "call" ? { keepAlive: true, maxSockets: 16 } : { keepAlive: false };
    if (access.server.startsWith("http:")) agent = new HttpAgent(pooling);
    else if (access.proxy) agent = new ConnectProxyAgent(access.proxy, { ...tls, ...pooling });
    else agent = new HttpsAgent({ ...tls, ...pooling });
    if (agents.size >= MAX_AGENTS) agents.delete(agents.keys().next().value ?? "");
    agents.set(key, agent);
  }
  return agent;
}

/** The URL, agent and headers of one request to the cluster (watch.ts streams with these too). */
export async function prepareRequest(
  access: KubeAccess,
  path: string,
  query: Record<string, string | undefined>,
  purpose: "call" | "watch",
): Promise<{ url: URL; options: RequestOptions }> {
  const url = new URL(access.server + path);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  const auth = await access.authorize();
  const options: RequestOptions = {
    agent: agentFor(access, auth.tls, purpose),
    headers: { accept: "application/json", ...auth.headers },
  };
  return { url, options };
}

/** node's request function for the URL's scheme. */
export const requestFor = (url: URL) => (url.protocol === "http:" ? httpRequest : httpsRequest);

/** Sends one request; answers with any status (callers decide what 404 means). */
export async function send(kc: KubeAccess, req: KubeRequest): Promise<KubeResponse> {
  countKubeRequest(req.method);
  const what = req.what ?? `${req.method} ${req.path}`;
  let prepared: Awaited<ReturnType<typeof prepareRequest>>;
  try {
    prepared = await prepareRequest(kc, req.path, req.query ?? {}, "call");
  } catch (error) {
    throw networkError(`${what}: credentials`, error);
  }
  const { url } = prepared;
  const options: RequestOptions = { ...prepared.options, method: req.method, timeout: TIMEOUT_MS };
  const payload = req.body === undefined ? undefined : JSON.stringify(req.body);
  if (payload !== undefined) {
    // An explicit length: Node frames a DELETE body neither by length nor by chunks, and the
    // apiserver would read it as the next request on a kept-alive connection.
    options.headers = {
      ...options.headers,
      "content-type": req.contentType ?? "application/json",
      "content-length": Buffer.byteLength(payload),
    };
  }
  return new Promise<KubeResponse>((resolve, reject) => {
    const call = requestFor(url)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", (error) => reject(networkError(what, error)));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text for the error message
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    call.on("timeout", () => call.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    call.on("error", (error) => reject(networkError(what, error)));
    call.end(payload);
  });
}

/** Like send, but any status other than 2xx becomes an AppError. */
export async function sendOk(kc: KubeAccess, req: KubeRequest): Promise<unknown> {
  const res = await send(kc, req);
  if (res.status < 200 || res.status >= 300)
    throw apiError(req.what ?? `${req.method} ${req.path}`, res.status, res.body);
  return res.body;
}
