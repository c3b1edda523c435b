import { Redis } from "ioredis";
import { freePort } from "./ports.ts";
import { startProcess, waitFor, type ManagedProcess } from "./process.ts";

export interface TestRedis {
  url: string;
  port: number;
  process: ManagedProcess;
  stop: () => Promise<void>;
}

/** Starts a private redis-server on a free loopback port with persistence off. */
export async function startRedis(port?: number): Promise<TestRedis> {
  const chosen = port ?? (await freePort());
  const redisProcess = startProcess("redis-server", "redis-server", [
    "--port",
    String(chosen),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--protected-mode",
    "yes",
    "--maxmemory-policy",
    "noeviction",
  ]);
  const url = `redis://127.0.0.1:${chosen}`;
  await waitFor(
    "redis-server to answer PING",
    async () => {
      const client = new Redis(url, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      try {
        await client.connect();
        return (await client.ping()) === "PONG";
      } finally {
        client.disconnect();
      }
    },
    { timeoutMs: 15_000, describe: redisProcess.tail },
  );
  return { url, port: chosen, process: redisProcess, stop: () => redisProcess.stop() };
}
