import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

const identity = {
  GIT_AUTHOR_NAME: "Ferry Test",
  GIT_AUTHOR_EMAIL: "test@ferry.invalid",
  GIT_COMMITTER_NAME: "Ferry Test",
  GIT_COMMITTER_EMAIL: "test@ferry.invalid",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await run("git", args, {
    cwd,
    env: { ...process.env, ...identity },
    maxBuffer: 64 << 20,
  });
  return stdout.trim();
}

/** A real git repository in a temporary directory, with helpers to write files and commit. */
export interface TestRepo {
  dir: string;
  write: (files: Record<string, string>) => Promise<void>;
  remove: (...paths: string[]) => Promise<void>;
  commit: (message: string) => Promise<string>;
  head: () => Promise<string>;
  cleanup: () => Promise<void>;
}

export async function createRepo(files: Record<string, string> = {}, branch = "main"): Promise<TestRepo> {
  const dir = await mkdtemp(join(tmpdir(), "ferry-repo-"));
  await git(dir, "init", "-q", "-b", branch);
  const repo: TestRepo = {
    dir,
    write: async (more) => {
      for (const [path, content] of Object.entries(more)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
    },
    remove: async (...paths) => {
      await git(dir, "rm", "-q", "-r", ...paths);
    },
    commit: async (message) => {
      await git(dir, "add", "-A");
      await git(dir, "commit", "-q", "--allow-empty", "-m", message);
      return git(dir, "rev-parse", "HEAD");
    },
    head: () => git(dir, "rev-parse", "HEAD"),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  if (Object.keys(files).length > 0) {
    await repo.write(files);
    await repo.commit("initial");
  }
  return repo;
}
