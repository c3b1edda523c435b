// A separate process that sends N parallel uploads of one large body to a receiver and prints
// every answer as one JSON line, so the test process's own event loop (which times /healthz)
// carries none of the upload work.
//   node test/support/upload-flood.ts <port> <json list of {forge, headers}> <body bytes>
import { request } from "node:http";

export interface FloodAnswer {
  status?: number;
  retryAfter?: string;
  error?: string;
}

function upload(port: number, forge: string, body: Buffer, headers: Record<string, string>) {
  return new Promise<FloodAnswer>((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: `/webhooks/${forge}`,
        agent: false,
        headers: { "content-type": "application/json", "content-length": body.length, ...headers },
      },
      (res) => {
        res.resume();
        res.once("end", () => {
          const retryAfter = res.headers["retry-after"];
          resolve({ status: res.statusCode ?? 0, ...(retryAfter ? { retryAfter } : {}) });
        });
      },
    );
    req.once("error", (error) => resolve({ error: error.message }));
    req.end(body);
  });
}

const [port, plan, bytes] = process.argv.slice(2);
const uploads = JSON.parse(plan ?? "[]") as Array<{ forge: string; headers: Record<string, string> }>;
// One body shared by every upload: this process holds it once.
const body = Buffer.alloc(Number(bytes), "a");
const answers = await Promise.all(
  uploads.map((item) => upload(Number(port), item.forge, body, item.headers)),
);
process.stdout.write(`${JSON.stringify(answers)}\n`);
