// `ferry serve` as a person starts it in a terminal (a pseudo-TTY from util-linux's `script`):
// readable lines; `--log-format json` there, or no TTY at all, gives JSON lines.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { installRoot } from "../../src/runtime/install.ts";
import { startProcess, waitFor, type ManagedProcess } from "../support/process.ts";

const cli = join(installRoot, "src", "cli", "main.ts");
const started: ManagedProcess[] = [];
let dir = "";
afterAll(async () => {
  for (const process of started) await process.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The first line `ferry serve` logs about listening, run with `args` (through `script` if tty). */
async function listeningLine(options: { tty: boolean; args: string[] }): Promise<string> {
  dir ||= await mkdtemp(join(tmpdir(), "ferry-log-format-"));
  const config = join(dir, "ferry.yaml");
  // No Redis is needed to listen: the receiver starts and logs before its first job.
  await writeFile(
    config,
    "redis: { url: 'redis://127.0.0.1:1' }\nserver: { port: 0, host: 127.0.0.1 }\n" +
      "forges: [{ name: gh, type: github, webhookSecret: s }]\n",
  );
  const argv = [cli, ...options.args, "serve", "--config", config];
  const child = options.tty
    ? startProcess("ferry serve (tty)", "script", [
        "-qec",
        [process.execPath, ...argv].join(" "),
        "/dev/null",
      ])
    : startProcess("ferry serve", process.execPath, argv);
  started.push(child);
  let line = "";
  await waitFor(
    "ferry serve to say it listens",
    () => {
      line =
        child
          .tail()
          .split("\n")
          .find((l) => l.includes("receiver listening")) ?? "";
      return line !== "";
    },
    { timeoutMs: 30_000, describe: child.tail },
  );
  await child.stop();
  return line;
}

describe("ferry's log lines", () => {
  it("are readable on a terminal", { timeout: 60_000 }, async () => {
    const line = await listeningLine({ tty: true, args: [] });
    expect(line).toMatch(/^\[\d{2}:\d{2}:\d{2}\.\d{3}\] .*INFO.*: .*receiver listening/);
  });

  it("are JSON on a terminal with --log-format json", { timeout: 60_000 }, async () => {
    const line = await listeningLine({ tty: true, args: ["--log-format", "json"] });
    expect(JSON.parse(line.trim())).toMatchObject({ level: 30, msg: "receiver listening" });
  });

  it("are JSON off a terminal, and readable with --log-format pretty", { timeout: 60_000 }, async () => {
    expect(JSON.parse(await listeningLine({ tty: false, args: [] }))).toMatchObject({
      msg: "receiver listening",
    });
    expect(await listeningLine({ tty: false, args: ["--log-format", "pretty"] })).toMatch(
      /^\[\d{2}:\d{2}:\d{2}\.\d{3}\] INFO: receiver listening$/,
    );
  });
});
