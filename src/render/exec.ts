// The one way Ferry runs git, helm and kubectl. Rendering untrusted repositories means a child
// process may loop forever, print gigabytes or fork helpers of its own, so every run gets its
// own process group (killed as a whole), a deadline, an output cap and an AbortSignal, and
// whatever it printed on stderr is scrubbed of secrets before it reaches an error message.
// Renders also get a memory limit: RLIMIT_AS (address space) set by util-linux's prlimit (see
// docs/operations.md). Not RLIMIT_DATA: Go's heap grows inside address space it reserved
// early, which the kernel does not count again, so helm allocated 1.5 GB under a 256 MiB
// RLIMIT_DATA. The Go runtime itself reserves some 600-900 MiB at start, hence the 2 GiB.
import { spawn } from "node:child_process";
import { AppError, type ErrorCode } from "../errors.ts";
import { findExecutable } from "./binaries.ts";
import { scrubSecrets } from "./scrub.ts";
import { countToolRun } from "../observability/call-counts.ts";

export interface ExecCodes {
  failed: ErrorCode;
  timeout: ErrorCode;
  tooLarge: ErrorCode;
  outOfMemory: ErrorCode;
}

export interface ExecOptions {
  /** What is being done, for error messages: "helm template", "git fetch". */
  what: string;
  cwd?: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** Address space limit (RLIMIT_AS) of the process and of each process it starts. */
  maxMemoryBytes?: number;
  signal?: AbortSignal | undefined;
  stdin?: string | Buffer;
  /** Exact strings that must never appear in an error (tokens); scrubbed besides the patterns. */
  secrets?: string[];
  codes?: Partial<ExecCodes>;
  /** Exit codes that are not failures (ls-remote --exit-code uses 2 for "no such ref"). */
  okExitCodes?: number[];
}

export interface ExecResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

export const DEFAULT_TIMEOUT_MS = 90_000;
export const DEFAULT_MAX_OUTPUT_BYTES = 64 << 20;
/** Address space helm and kustomize may use per render: far above real charts' needs. */
export const RENDER_MAX_MEMORY_BYTES = 2 * 1024 ** 3;
const STDERR_KEEP_BYTES = 16 << 10;

const renderCodes: ExecCodes = {
  failed: "RENDER_FAILED",
  timeout: "RENDER_TIMEOUT",
  tooLarge: "RENDER_TOO_LARGE",
  outOfMemory: "RENDER_OUT_OF_MEMORY",
};

/** util-linux's prlimit on the PATH Ferry started with (renders run with a sealed PATH). */
const prlimit = findExecutable("prlimit", process.env.PATH);

/** Whether renders get their memory limit on this machine (docs/operations.md). */
export const memoryLimitAvailable = prlimit !== undefined;

/** How a process that hit its allocation limit says so: Go's runtime, glibc, C++ and Python. */
const OUT_OF_MEMORY =
  /fatal error: runtime: out of memory|runtime: cannot allocate memory|Cannot allocate memory|std::bad_alloc|MemoryError|out of memory/i;

function withMemoryLimit(command: string, args: string[], maxMemoryBytes: number | undefined) {
  if (maxMemoryBytes === undefined || prlimit === undefined) return { command, args, limited: false };
  return { command: prlimit, args: [`--as=${maxMemoryBytes}`, "--", command, ...args], limited: true };
}

type Stop = { kind: "timeout" } | { kind: "tooLarge" } | { kind: "aborted"; reason: unknown };

export function runTool(command: string, args: string[], options: ExecOptions): Promise<ExecResult> {
  countToolRun(command);
  const codes = { ...renderCodes, ...options.codes };
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const scrub = (text: string) => scrubSecrets(text, options.secrets ?? []);
  if (options.signal?.aborted) return Promise.reject(abortError(options.what, options.signal.reason));

  return new Promise<ExecResult>((resolve, reject) => {
    const run = withMemoryLimit(command, args, options.maxMemoryBytes);
    const child = spawn(run.command, run.args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = "";
    let stop: Stop | undefined;

    const signalGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is already gone
      }
    };
    const killGroup = (reason: Stop) => {
      stop ??= reason;
      signalGroup();
    };
    const timer = setTimeout(() => killGroup({ kind: "timeout" }), timeoutMs);
    const onAbort = () => killGroup({ kind: "aborted", reason: options.signal?.reason });
    options.signal?.addEventListener("abort", onAbort, { once: true });

    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxOutput) return killGroup({ kind: "tooLarge" });
      chunks.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_KEEP_BYTES);
    });
    child.stdin.on("error", () => undefined); // the child may exit without reading its input
    child.stdin.end(options.stdin ?? "");

    child.once("error", (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      reject(new AppError(codes.failed, `${options.what}: cannot run ${command}: ${scrub(error.message)}`));
    });
    // A grandchild left behind would hold the pipes open: once the child exits, its group goes.
    child.once("exit", signalGroup);
    child.once("close", (exitCode) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      const cleanStderr = scrub(stderr.trim());
      if (stop?.kind === "timeout") {
        return reject(new AppError(codes.timeout, `${options.what} did not finish within ${timeoutMs} ms`));
      }
      if (stop?.kind === "tooLarge") {
        return reject(
          new AppError(codes.tooLarge, `${options.what} printed more than ${maxOutput} bytes; stopped it`),
        );
      }
      if (stop?.kind === "aborted") return reject(abortError(options.what, stop.reason));
      const code = exitCode ?? -1;
      if (code !== 0 && run.limited && OUT_OF_MEMORY.test(stderr)) {
        // Like a timeout: a bound the render crossed, not something a retry would fix.
        const mib = Math.round((options.maxMemoryBytes ?? 0) / (1 << 20));
        return reject(
          new AppError(
            codes.outOfMemory,
            `${options.what} needed more than ${mib} MiB of memory; stopped it`,
          ),
        );
      }
      if (code !== 0 && !(options.okExitCodes ?? []).includes(code)) {
        const detail = cleanStderr === "" ? `exit code ${code}` : cleanStderr;
        return reject(
          new AppError(codes.failed, `${options.what} failed: ${detail}`, { details: { exitCode: code } }),
        );
      }
      resolve({ stdout: Buffer.concat(chunks), stderr: cleanStderr, exitCode: code });
    });
  });
}

function abortError(what: string, reason: unknown): AppError {
  return new AppError("INTERNAL", `${what} was cancelled`, { cause: reason, retryable: true });
}
