// `ferry up --config <file>` as a child process, the way an operator runs one configuration in
// one process (receiver and every worker). The configuration is written to a temporary file;
// the state key comes from the environment as a real deployment's would. `stop` sends SIGTERM
// to the process group and removes the temporary directory.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateSeal, STATE_KEY_ENV } from "../../src/state/seal.ts";
import { startProcess, waitFor, type ManagedProcess } from "./process.ts";

const cli = new URL("../../src/cli/main.ts", import.meta.url).pathname;

export interface FerryUp {
  /** The receiver's base URL (config.server.host/port). */
  url: string;
  process: ManagedProcess;
  stop: () => Promise<void>;
}

/**
 * Starts `ferry up --config` with `config` (a ferry.yaml as an object; JSON is YAML) and waits
 * until its /healthz answers. `server.port` must be set: it is where the receiver listens.
 */
export async function startFerryUp(
  config: { server: { port: number } & Record<string, unknown> } & Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<FerryUp> {
  const dir = await mkdtemp(join(tmpdir(), "ferry-up-config-"));
  const file = join(dir, "ferry.yaml");
  await writeFile(file, JSON.stringify(config, null, 2));
  const child = startProcess(
    "ferry up",
    process.execPath,
    [cli, "up", "--config", file, "--log-format", "json"],
    {
      env: {
        ...process.env,
        FERRY_LOG_LEVEL: "warn",
        [STATE_KEY_ENV]: StateSeal.generateKey(),
        ...env,
      },
    },
  );
  const url = `http://127.0.0.1:${config.server.port}`;
  const stop = async () => {
    await child.stop(10_000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      "ferry up to answer /healthz",
      async () => {
        if (child.child.exitCode !== null) throw new Error(`ferry up exited with ${child.child.exitCode}`);
        return (await fetch(`${url}/healthz`)).ok;
      },
      { timeoutMs: 60_000, intervalMs: 200, describe: child.tail },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, process: child, stop };
}
