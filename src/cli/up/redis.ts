// A private redis-server for `ferry up` (and the test harness): loopback only, persistence
// off, noeviction (BullMQ must never lose keys to eviction), stopped with its parent.
import { spawn, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { AppError } from "../../errors.ts";
import { freePort } from "../../kube/local/ports.ts";

export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** The last lines redis-server printed, for error messages. */
  tail(): string;
}

async function answersPing(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export async function startPrivateRedis(
  options: { port?: number; timeoutMs?: number } = {},
): Promise<PrivateRedis> {
  const port = options.port ?? (await freePort());
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const child = spawn("redis-server", [...args, "--maxmemory-policy", "noeviction"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));
  const url = `redis://127.0.0.1:${port}`;
  const tail = () => lines.slice(-20).join("\n");
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  while (!(await answersPing(url))) {
    if (spawnError || child.exitCode !== null || Date.now() > deadline) {
      await stopChild(child);
      const why = spawnError ? `${spawnError.message} (apt-get install redis-server)` : tail();
      throw new AppError("INTERNAL", `redis-server did not start on port ${port}: ${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, port, tail, stop: () => stopChild(child) };
}
