// Runs the git CLI with a sealed environment: no system or global config (a developer's
// ~/.gitconfig must not change what Ferry sees), never a prompt, only plain transports.
import { runTool, type ExecResult } from "../render/exec.ts";
import type { GitAuth } from "./auth.ts";

export interface GitRunOptions {
  gitDir?: string;
  cwd?: string;
  auth?: GitAuth;
  timeoutMs: number;
  stdin?: string;
  okExitCodes?: number[];
  extraEnv?: Record<string, string>;
  what?: string;
  /** Output beyond this fails the run (GIT_FAILED); 256 MiB unless a caller expects little. */
  maxOutputBytes?: number;
}

// Proxy and CA settings of the host still apply to git's own HTTPS.
const passThrough = [
  "PATH",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
];
const passThroughSsl = ["SSL_CERT_FILE", "SSL_CERT_DIR", "GIT_SSL_CAINFO"];

export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of [...passThrough, ...passThroughSsl]) {
    if (process.env[name] !== undefined) env[name] = process.env[name];
  }
  return {
    ...env,
    LANG: "C",
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "true",
    SSH_ASKPASS: "true",
    GCM_INTERACTIVE: "never",
    GIT_ALLOW_PROTOCOL: "file:http:https:ssh",
    ...extra,
  };
}

export async function runGit(args: string[], options: GitRunOptions): Promise<ExecResult> {
  const full = options.gitDir ? ["--git-dir", options.gitDir, ...args] : args;
  return runTool("git", full, {
    what: options.what ?? `git ${args[0] ?? ""}`,
    cwd: options.cwd,
    env: gitEnv({ ...options.auth?.env, ...options.extraEnv }),
    timeoutMs: options.timeoutMs,
    maxOutputBytes: options.maxOutputBytes ?? 256 << 20,
    secrets: options.auth?.secrets ?? [],
    codes: { failed: "GIT_FAILED", timeout: "GIT_FAILED", tooLarge: "GIT_FAILED" },
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    ...(options.okExitCodes ? { okExitCodes: options.okExitCodes } : {}),
  });
}
