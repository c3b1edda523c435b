// Each component runs in its own process group with its output in <dir>/<name>.log, detached
// from Ferry so `ferry cluster up` can exit while the cluster keeps running. Stopping works
// from recorded pids alone (another process may do it: `ferry cluster down`).
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface ComponentProcess {
  name: string;
  pid: number;
  log: string;
}

export function spawnComponent(name: string, binary: string, args: string[], dir: string): ComponentProcess {
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, "a");
  try {
    const child = spawn(binary, args, { cwd: dir, detached: true, stdio: ["ignore", fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${binary}`);
    // Reap it if it dies while we still run, but never keep our event loop alive for it.
    child.on("error", () => undefined);
    child.unref();
    return { name, pid: child.pid, log };
  } finally {
    closeSync(fd);
  }
}

/** True while the process exists and is not a zombie (an orphan's parent may never reap it). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** Guards against a recycled pid: the recorded process must still run the component's binary. */
export function runs(process_: ComponentProcess, binaryName: string): boolean {
  try {
    return (
      readFileSync(`/proc/${process_.pid}/cmdline`, "utf8").split("\0")[0]?.endsWith(binaryName) ?? false
    );
  } catch {
    return isAlive(process_.pid);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Synchronous SIGKILL of every group: for exit and signal handlers, where nothing can wait. */
export function killNow(processes: readonly ComponentProcess[]): void {
  for (const p of processes) signalGroup(p.pid, "SIGKILL");
}

/** SIGTERM, then SIGKILL after `graceMs`, for one process group; resolves when it is gone. */
export async function stopComponent(p: ComponentProcess, graceMs = 5_000): Promise<void> {
  if (!isAlive(p.pid)) return;
  signalGroup(p.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(p.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  signalGroup(p.pid, "SIGKILL");
  while (isAlive(p.pid)) await new Promise((r) => setTimeout(r, 20));
}

/** Stops components in reverse start order. */
export async function stopComponents(
  processes: readonly ComponentProcess[],
  graceMs?: number,
): Promise<void> {
  for (const p of [...processes].reverse()) await stopComponent(p, graceMs);
}

export async function logTail(p: Pick<ComponentProcess, "log">, lines = 30): Promise<string> {
  try {
    const text = await readFile(p.log, "utf8");
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
