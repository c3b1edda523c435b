// A kubeconfig cluster's `proxy-url`: HTTPS to the API server tunnelled through an HTTP(S)
// proxy with CONNECT (RFC 9110 §9.3.6), with node's own http and tls only. The TLS session runs
// end to end inside the tunnel, so the proxy sees neither credentials nor objects.
import type { ClientRequestArgs, IncomingMessage } from "node:http";
import { request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from "node:https";
import { isIP, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";

const CONNECT_TIMEOUT_MS = 30_000;

export class ConnectProxyAgent extends HttpsAgent {
  readonly #proxy: URL;

  constructor(proxy: URL, options: AgentOptions) {
    super(options);
    this.#proxy = proxy;
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const done = callback ?? (() => undefined);
    const host = options.host ?? options.hostname ?? "localhost";
    const port = Number(options.port ?? 443);
    const target = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
    const proxy = this.#proxy;
    const credentials = proxy.username
      ? {
          "proxy-authorization": `Basic ${Buffer.from(
            `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`,
          ).toString("base64")}`,
        }
      : {};
    const connect = (proxy.protocol === "https:" ? httpsRequest : httpRequest)({
      host: proxy.hostname.replace(/^\[|\]$/g, ""),
      port: proxy.port || (proxy.protocol === "https:" ? 443 : 80),
      method: "CONNECT",
      path: target,
      headers: { host: target, ...credentials },
      agent: false,
      timeout: CONNECT_TIMEOUT_MS,
    });
    connect.once("connect", (answer: IncomingMessage, socket: Socket) => {
      if (answer.statusCode !== 200) {
        socket.destroy();
        done(
          new Error(`proxy ${proxy.host} refused CONNECT ${target}: HTTP ${answer.statusCode ?? 0}`),
          socket,
        );
        return;
      }
      const tlsOptions = options as ConnectionOptions;
      const servername = tlsOptions.servername || (isIP(host) ? undefined : host);
      done(null, tlsConnect({ ...tlsOptions, socket, ...(servername ? { servername } : {}) }));
    });
    connect.once("timeout", () => connect.destroy(new Error(`proxy ${proxy.host}: no answer to CONNECT`)));
    connect.once("error", (error) =>
      done(new Error(`proxy ${proxy.host}: ${error.message}`), connect.socket as Socket),
    );
    connect.end();
    return undefined;
  }
}
