// Listening and closing. Node's HTTP parser rejects malformed requests (CR/LF in a header,
// headers over the size limit) before express sees them; answer those in JSON too.
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import type { RequestListener } from "node:http";

const parserStatus: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, "request headers are too large"],
  HPE_INVALID_HEADER_TOKEN: [400, "request headers are malformed"],
  HPE_LF_EXPECTED: [400, "request headers are malformed"],
};

function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] = parserStatus[error.code ?? ""] ?? [400, "malformed HTTP request"];
  const body = JSON.stringify({ error: "WEBHOOK_MALFORMED", message });
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export interface ListenLimits {
  /** Open connections; Node closes the ones beyond at once (server.maxConnections). */
  maxConnections?: number;
}

export async function listen(
  handler: RequestListener,
  port: number,
  host: string,
  limits: ListenLimits = {},
): Promise<Server> {
  const server = createServer(handler);
  if (limits.maxConnections !== undefined) server.maxConnections = limits.maxConnections;
  server.on("clientError", answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

/** Stops accepting, lets in-flight requests finish, then drops idle keep-alive sockets. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}
