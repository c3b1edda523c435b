import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors.ts";
import { runTool } from "../../../src/render/exec.ts";
import { waitFor } from "../../support/process.ts";

const env = { PATH: process.env.PATH };

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("runTool", () => {
  it("returns stdout of a successful run", async () => {
    const result = await runTool("sh", ["-c", "printf hello; echo note >&2"], { what: "echo", env });
    expect(result.stdout.toString()).toBe("hello");
    expect(result.stderr).toBe("note");
  });

  it("kills the whole process group on timeout, grandchildren included", async () => {
    const pidFile = join(tmpdir(), `ferry-exec-${process.pid}-${Date.now()}`);
    const error = await failure(
      runTool("sh", ["-c", `sleep 300 & echo $! > ${pidFile}; wait`], {
        what: "slow tool",
        env,
        timeoutMs: 300,
      }),
    );
    expect(error.code).toBe("RENDER_TIMEOUT");
    expect(error.message).toBe("slow tool did not finish within 300 ms");
    const grandchild = Number(await readFile(pidFile, "utf8"));
    await rm(pidFile);
    // a killed process may linger as a zombie until init reaps it
    await waitFor("the grandchild to be gone", () => !alive(grandchild), { timeoutMs: 5_000 });
  });

  it("stops a run whose output passes the cap (200 MB of output, 64 MB cap)", async () => {
    const error = await failure(runTool("sh", ["-c", "head -c 209715200 /dev/zero"], { what: "big", env }));
    expect(error.code).toBe("RENDER_TOO_LARGE");
    expect(error.message).toMatch(/more than 67108864 bytes/);
  });

  it("puts scrubbed stderr into the error of a failed run", async () => {
    const error = await failure(
      runTool(
        "sh",
        ["-c", "echo 'cannot fetch https://x-access-token:s3cret-token@example.com/r.git' >&2; exit 3"],
        {
          what: "git fetch",
          env,
          secrets: ["s3cret-token"],
          codes: { failed: "GIT_FAILED" },
        },
      ),
    );
    expect(error.code).toBe("GIT_FAILED");
    expect(error.message).toContain("git fetch failed: cannot fetch https://********@example.com/r.git");
    expect(error.message).not.toContain("s3cret");
  });

  it("stops on abort and leaves no process behind", async () => {
    const controller = new AbortController();
    const running = runTool("sh", ["-c", "exec sleep 300"], {
      what: "abortable",
      env,
      signal: controller.signal,
    });
    controller.abort(new Error("job cancelled"));
    const error = await failure(running);
    expect(error.message).toBe("abortable was cancelled");
  });

  it("refuses to start when already aborted", async () => {
    const error = await failure(
      runTool("sh", ["-c", "true"], { what: "late", env, signal: AbortSignal.abort() }),
    );
    expect(error.message).toBe("late was cancelled");
  });
});
