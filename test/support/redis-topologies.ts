// Real Redis topologies on loopback for the failover and Cluster tests: Debian's redis-server
// and redis-sentinel, each a child process in its own group on a free port, with its files in
// a temporary directory. `npm run setup` (scripts/setup.ts) installs both packages; without
// them these helpers fail with a message that says so, never skip.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "./ports.ts";
import { startProcess, waitFor, type ManagedProcess } from "./process.ts";

function requireBinary(command: string, pkg: string): void {
  if (spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0) return;
  throw new Error(
    `${command} is not installed: run "npm run setup" (it installs Debian's ${pkg}) or "apt-get install -y ${pkg}"`,
  );
}

/** Runs `command` on a one-off connection to the server at `port`; undefined when it fails. */
async function ask<T>(port: number, command: (redis: Redis) => Promise<T>): Promise<T | undefined> {
  const redis = new Redis({
    port,
    host: "127.0.0.1",
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    return await command(redis);
  } catch {
    return undefined;
  } finally {
    redis.disconnect();
  }
}

const answers = async (port: number, command: (redis: Redis) => Promise<boolean>) =>
  (await ask(port, command)) === true;

const ping = (redis: Redis) => redis.ping().then((answer) => answer === "PONG");

interface Server {
  port: number;
  process: ManagedProcess;
}

/** BullMQ's requirement, and what Ferry checks at start-up (src/queue/eviction.ts). */
const serverArgs = [
  "--bind",
  "127.0.0.1",
  "--save",
  "",
  "--appendonly",
  "no",
  "--maxmemory-policy",
  "noeviction",
];

async function startServer(dir: string, name: string, extra: string[] = [], port?: number): Promise<Server> {
  requireBinary("redis-server", "redis-server");
  const chosen = port ?? (await freePort());
  const process = startProcess(name, "redis-server", [
    "--port",
    String(chosen),
    "--dir",
    dir,
    ...serverArgs,
    ...extra,
  ]);
  await waitFor(`${name} to answer PING`, () => answers(chosen, ping), { describe: () => process.tail() });
  return { port: chosen, process };
}

export interface SentinelSet {
  masterName: string;
  /** `127.0.0.1:<port>` of each sentinel, for ferry.yaml's redis.sentinel.nodes. */
  sentinels: string[];
  master: Server;
  replica: Server;
  /** SIGKILLs the current master (no shutdown, no hand-over). */
  killMaster: () => Promise<void>;
  /** Resolves once the sentinels name another master than `port`. */
  promoted: (port: number) => Promise<number>;
  stop: () => Promise<void>;
}

/** A master, one replica and three sentinels (quorum 2) that fail over within a few seconds. */
export async function startSentinelSet(masterName = "ferry"): Promise<SentinelSet> {
  requireBinary("redis-sentinel", "redis-sentinel");
  const dir = await mkdtemp(join(tmpdir(), "ferry-sentinel-"));
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    await Promise.allSettled(processes.map((child) => child.stop(2_000)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const master = await startServer(dir, "redis master");
    processes.push(master.process);
    const replica = await startServer(dir, "redis replica", [
      "--replicaof",
      "127.0.0.1",
      String(master.port),
    ]);
    processes.push(replica.process);
    await waitFor("the replica to be in sync", () =>
      answers(replica.port, async (redis) => /master_link_status:up/.test(await redis.info("replication"))),
    );
    const sentinels: string[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      // Sentinel rewrites its configuration file: each one has its own.
      const file = join(dir, `sentinel-${i}.conf`);
      await writeFile(
        file,
        [
          `port ${port}`,
          "bind 127.0.0.1",
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 5000`,
          `sentinel parallel-syncs ${masterName} 1`,
          "",
        ].join("\n"),
      );
      const sentinel = startProcess(`sentinel ${i}`, "redis-sentinel", [file]);
      processes.push(sentinel);
      await waitFor(`sentinel ${i} to answer PING`, () => answers(port, ping), {
        describe: () => sentinel.tail(),
      });
      sentinels.push(`127.0.0.1:${port}`);
    }
    const sentinelPort = Number(sentinels[0]?.split(":")[1]);
    /** The master's port as the first sentinel names it; 0 when it does not answer. */
    const masterPort = async () =>
      (await ask(sentinelPort, async (redis) => {
        const [, port] = (await redis.call("SENTINEL", "get-master-addr-by-name", masterName)) as string[];
        return Number(port);
      })) ?? 0;
    // Every sentinel must know the others and the replica before a failover can be voted.
    await waitFor(
      "the sentinels to see each other and the replica",
      () =>
        answers(sentinelPort, async (redis) => {
          const info = (await redis.call("SENTINEL", "master", masterName)) as string[];
          const field = (name: string) => Number(info[info.indexOf(name) + 1]);
          return field("num-other-sentinels") === 2 && field("num-slaves") === 1;
        }),
      { timeoutMs: 30_000 },
    );
    return {
      masterName,
      sentinels,
      master,
      replica,
      killMaster: async () => {
        const port = await masterPort();
        const current = port === replica.port ? replica : master;
        if (current.process.child.pid) process.kill(-current.process.child.pid, "SIGKILL");
        await new Promise<void>((resolve) =>
          current.process.child.exitCode !== null || current.process.child.signalCode !== null
            ? resolve()
            : current.process.child.once("exit", () => resolve()),
        );
      },
      promoted: async (port) => {
        let found = port;
        await waitFor(
          "the sentinels to promote another master",
          async () => {
            found = await masterPort();
            return found !== 0 && found !== port;
          },
          { timeoutMs: 60_000, intervalMs: 200 },
        );
        return found;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface RedisClusterSet {
  /** `127.0.0.1:<port>` of each master, for ferry.yaml's redis.cluster.nodes. */
  nodes: string[];
  servers: Server[];
  stop: () => Promise<void>;
}

/** A Redis Cluster of `masters` masters (no replicas), all 16,384 slots assigned. */
export async function startRedisCluster(masters = 3): Promise<RedisClusterSet> {
  requireBinary("redis-cli", "redis-tools");
  const dir = await mkdtemp(join(tmpdir(), "ferry-cluster-"));
  const servers: Server[] = [];
  const stop = async () => {
    await Promise.allSettled(servers.map((server) => server.process.stop(2_000)));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      servers.push(
        await startServer(
          dir,
          `cluster node ${i}`,
          [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            `nodes-${port}.conf`,
            "--cluster-node-timeout",
            "2000",
          ],
          port,
        ),
      );
    }
    const nodes = servers.map((server) => `127.0.0.1:${server.port}`);
    const created = spawnSync(
      "redis-cli",
      ["--cluster", "create", ...nodes, "--cluster-replicas", "0", "--cluster-yes"],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    if (created.status !== 0)
      throw new Error(`redis-cli --cluster create failed:\n${created.stdout}\n${created.stderr}`);
    for (const server of servers) {
      await waitFor(`cluster node ${server.port} to report cluster_state:ok`, () =>
        answers(server.port, async (redis) =>
          /cluster_state:ok/.test(String(await redis.call("CLUSTER", "INFO"))),
        ),
      );
    }
    return { nodes, servers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
