// A recording proxy in front of the run's control plane: Ferry talks plain HTTP to it, it
// forwards every request over the admin's TLS credentials (passing Impersonate-* headers on)
// and records method, path and impersonated user (plain HTTP: there is no TLS between Ferry and
// the proxy to verify). Tests prove with it which requests reached
// the API server — e.g. that none was about a refused object. Watches stream through.
import { writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { closeServer } from "../../src/http/server.ts";
import { prepareRequest, requestFor } from "../../src/kube/request.ts";
import { testKubeConfig } from "./cluster.ts";

export interface RecordedRequest {
  method: string;
  /** Path and query, e.g. `/api/v1/namespaces/kube-system/configmaps/x?dryRun=All`. */
  url: string;
  /** Impersonate-User, when Ferry sent one. */
  user?: string;
}

export interface KubeProxy {
  /** A kubeconfig file that points at the proxy (no credentials of its own). */
  kubeconfig: string;
  requests: RecordedRequest[];
  close: () => Promise<void>;
}

const FORWARDED = ["accept", "content-type", "content-length", "impersonate-user", "impersonate-group"];

export async function startKubeProxy(dir: string): Promise<KubeProxy> {
  const kc = testKubeConfig();
  const requests: RecordedRequest[] = [];
  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    const user = req.headers["impersonate-user"];
    requests.push({
      method: req.method ?? "",
      url: req.url ?? "",
      ...(typeof user === "string" ? { user } : {}),
    });
    const headers: Record<string, string | string[]> = {};
    for (const name of FORWARDED) {
      const value = req.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    const { url, options } = await prepareRequest(kc, req.url ?? "/", {}, "watch");
    const call = requestFor(url)(
      url,
      { ...options, method: req.method ?? "GET", headers: { ...options.headers, ...headers } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    call.on("error", () => res.destroy());
    res.on("close", () => call.destroy());
    req.pipe(call);
  };
  const server: Server = createServer((req, res) => {
    forward(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const kubeconfig = join(dir, "proxy-kubeconfig.yaml");
  await writeFile(
    kubeconfig,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{ name: proxy, cluster: { server: 'http://127.0.0.1:" +
        String(port) +
        "', insecure-skip-tls-verify: true } }]",
      "users: [{ name: ferry, user: {} }]",
      "contexts: [{ name: proxy, context: { cluster: proxy, user: ferry } }]",
      "current-context: proxy",
      "",
    ].join("\n"),
  );
  return { kubeconfig, requests, close: () => closeServer(server) };
}
