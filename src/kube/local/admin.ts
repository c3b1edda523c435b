// A tiny HTTPS client with the admin certificate, for start-up checks before any kubeconfig
// exists. Ferry's real client is src/kube/client.ts.
import { request } from "node:https";
import { writeFile } from "node:fs/promises";
import * as yaml from "js-yaml";

export interface AdminCredentials {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

export interface AdminResponse {
  status: number;
  body: string;
}

export function adminRequest(
  creds: AdminCredentials,
  method: string,
  path: string,
  body?: unknown,
): Promise<AdminResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, creds.server),
      {
        method,
        ca: creds.ca,
        cert: creds.cert,
        key: creds.key,
        timeout: 5_000,
        headers: payload ? { "content-type": "application/json" } : {},
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** An admin kubeconfig with the certificates inlined, so the file works wherever it is copied. */
export async function writeKubeconfig(
  path: string,
  creds: AdminCredentials,
  name = "ferry-local",
): Promise<void> {
  const b64 = (pem: string) => Buffer.from(pem).toString("base64");
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: creds.server, "certificate-authority-data": b64(creds.ca) } }],
    users: [
      {
        name: `${name}-admin`,
        user: { "client-certificate-data": b64(creds.cert), "client-key-data": b64(creds.key) },
      },
    ],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: "default" } }],
    "current-context": name,
    preferences: {},
  };
  await writeFile(path, yaml.dump(config, { lineWidth: -1 }), { mode: 0o600 });
}
