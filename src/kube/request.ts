// Raw JSON requests to the apiserver with the KubeConfig's credentials. Raw rather than the
// generated clients so that objects stay plain JSON (no Date conversion, no dropped fields)
// for diffing, and every kind works the same way.
import { request as httpRequest, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";
import { countKubeRequest } from "../observability/call-counts.ts";
import { apiError, networkError } from "./errors.ts";

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

// The client library's agent (cached per cluster and user) does not keep connections alive,
// so each request costs a TLS handshake; a sync sends hundreds. Each library agent gets one
// keep-alive twin with the same TLS options. Proxy agents are left as they are.
const keepAliveTwins = new WeakMap<HttpsAgent, HttpsAgent>();

function keepAliveAgent(kc: KubeConfig, agent: RequestOptions["agent"]): RequestOptions["agent"] {
  if (kc.getCurrentCluster()?.proxyUrl || !(agent instanceof HttpsAgent)) return agent;
  let twin = keepAliveTwins.get(agent);
  if (!twin) {
    twin = new HttpsAgent({ ...agent.options, keepAlive: true, maxSockets: 16 });
    keepAliveTwins.set(agent, twin);
  }
  return twin;
}

function urlOf(kc: KubeConfig, req: KubeRequest): URL {
  const server = kc.getCurrentCluster()?.server ?? "";
  const url = new URL(server.replace(/\/$/, "") + req.path);
  for (const [key, value] of Object.entries(req.query ?? {})) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  return url;
}

/** Sends one request; answers with any status (callers decide what 404 means). */
export async function send(kc: KubeConfig, req: KubeRequest): Promise<KubeResponse> {
  const url = urlOf(kc, req);
  countKubeRequest(req.method);
  const what = req.what ?? `${req.method} ${req.path}`;
  const options: RequestOptions = {
    method: req.method,
    timeout: TIMEOUT_MS,
    headers: { accept: "application/json" },
  };
  try {
    await kc.applyToHTTPSOptions(options);
  } catch (error) {
    throw networkError(`${what}: credentials`, error);
  }
  options.agent = keepAliveAgent(kc, options.agent);
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
  const send = url.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise<KubeResponse>((resolve, reject) => {
    const call = send(url, options, (res) => {
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
export async function sendOk(kc: KubeConfig, req: KubeRequest): Promise<unknown> {
  const res = await send(kc, req);
  if (res.status < 200 || res.status >= 300)
    throw apiError(req.what ?? `${req.method} ${req.path}`, res.status, res.body);
  return res.body;
}
