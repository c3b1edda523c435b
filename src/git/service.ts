// GitService on the git CLI. One bare mirror per repository URL under the cache directory,
// updated with `fetch --prune` under a lock; checkouts read from it without the lock because
// git's object store is safe for concurrent readers while a fetch adds objects.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { AppError } from "../errors.ts";
import { authFor } from "./auth.ts";
import { KeyedMutex, withFileLock } from "./lock.ts";
import { withRetries } from "./retry.ts";
import { runGit } from "./run.ts";
import { RecentMap } from "./recent.ts";
import { RemoteHeads } from "./remote-heads.ts";
import { TreeLookup } from "./trees.ts";
import type {
  Checkout,
  CommitToPush,
  CommitTrailers,
  GitService,
  RepoLocation,
  TrailerQuery,
} from "./types.ts";

export interface GitServiceOptions {
  /** Mirrors live in <cacheDir>/mirrors, checkouts in <cacheDir>/checkouts. */
  cacheDir: string;
  fetchTimeoutMs?: number;
  /** Attempts for clone, fetch and ls-remote (1 = no retry). */
  attempts?: number;
  localTimeoutMs?: number;
  /**
   * How long a checkout outlives its last holder (0, the default: removed at once). Writing a
   * tree costs about 1 ms per file on a disk-backed file system, so a push to a repository of
   * 1,000 apps × 10 files costs ~10 s per checkout; the syncs of its apps run a few at a time
   * and would each write it again. Lingering lets them all share one. At most
   * MAX_IDLE_CHECKOUTS idle trees are kept (oldest removed first), and close() removes them.
   */
  checkoutLingerMs?: number;
}

const MAX_IDLE_CHECKOUTS = 4;
const KEPT_TRAILER_QUERIES = 64;

interface SharedCheckout {
  made: Promise<string>;
  users: number;
  /** Set while nobody holds it: removes it when the linger ends. */
  expiry?: NodeJS.Timeout;
}

const revision = /^[0-9a-f]{7,64}$/i;

export class CliGitService implements GitService {
  readonly #mirrorLocks = new KeyedMutex();
  readonly #cacheDir: string;
  readonly #fetchTimeoutMs: number;
  readonly #attempts: number;
  readonly #localTimeoutMs: number;
  readonly #lingerMs: number;
  #closed = false;
  /** Commits already seen in a mirror: they stay there, so asking git again is wasted spawns. */
  readonly #present = new Set<string>();
  /**
   * commitTrailers answers by mirror and query (the 64 most recent): a range of commits never
   * changes, and every app of a 1,000-app push asks the same one (one git log, not 1,000).
   */
  readonly #trailers = new RecentMap<string, Promise<CommitTrailers[]>>(KEPT_TRAILER_QUERIES);
  readonly #trees: TreeLookup;
  readonly #heads: RemoteHeads;
  /**
   * Checkouts by mirror and commit: shared while anyone holds them and for checkoutLingerMs
   * after (see checkout). Map order is last-use order, so the first idle entry is the oldest.
   */
  readonly #checkouts = new Map<string, SharedCheckout>();

  constructor(options: GitServiceOptions) {
    this.#cacheDir = options.cacheDir;
    this.#fetchTimeoutMs = options.fetchTimeoutMs ?? 120_000;
    this.#attempts = options.attempts ?? 3;
    this.#localTimeoutMs = options.localTimeoutMs ?? 60_000;
    this.#lingerMs = options.checkoutLingerMs ?? 0;
    this.#trees = new TreeLookup({ timeoutMs: this.#localTimeoutMs });
    this.#heads = new RemoteHeads({ attempts: this.#attempts, timeoutMs: this.#fetchTimeoutMs });
  }

  mirrorDir(location: RepoLocation): string {
    const key = createHash("sha256").update(location.url).digest("hex").slice(0, 32);
    return join(this.#cacheDir, "mirrors", `${key}.git`);
  }

  /** One ls-remote answers every caller that asked while the previous one ran (remote-heads.ts). */
  async headOf(location: RepoLocation, branch: string): Promise<string> {
    return this.#heads.headOf(location, branch);
  }

  /**
   * The commit's files, read-only. Renders only read their checkout, so the apps of one commit
   * share one while any of them holds it (and for checkoutLingerMs after): a push to a
   * repository of 1,000 apps writes its tree once, not 1,000 times. The last cleanup (or the
   * end of the linger) removes it.
   */
  async checkout(location: RepoLocation, sha: string): Promise<Checkout> {
    const gitDir = await this.#ensureCommits(location, [sha]);
    const key = `${gitDir}:${sha}`;
    const entry = this.#checkouts.get(key) ?? { made: this.#materialize(gitDir, sha), users: 0 };
    clearTimeout(entry.expiry);
    delete entry.expiry;
    // Re-inserted: the map's order is last-use order.
    this.#checkouts.delete(key);
    this.#checkouts.set(key, entry);
    entry.users++;
    let held = true;
    const cleanup = async (): Promise<void> => {
      if (!held) return;
      held = false;
      if (--entry.users > 0) return;
      if (this.#lingerMs > 0 && !this.#closed) {
        entry.expiry = setTimeout(() => void this.#remove(key, entry), this.#lingerMs).unref();
        await this.#trimIdle();
        return;
      }
      await this.#remove(key, entry);
    };
    try {
      return { dir: await entry.made, sha, cleanup };
    } catch (error) {
      // A tree that failed to write is not kept for the next caller.
      await cleanup();
      await this.#remove(key, entry);
      throw error;
    }
  }

  /** Removes the idle checkouts; later cleanups remove theirs at once. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      [...this.#checkouts]
        .filter(([, entry]) => entry.users === 0)
        .map(([key, entry]) => this.#remove(key, entry)),
    );
  }

  async #trimIdle(): Promise<void> {
    const idle = [...this.#checkouts].filter(([, entry]) => entry.users === 0);
    const excess = idle.slice(0, Math.max(0, idle.length - MAX_IDLE_CHECKOUTS));
    await Promise.all(excess.map(([key, entry]) => this.#remove(key, entry)));
  }

  /** Removes an idle checkout, unless someone took it again meanwhile. */
  async #remove(key: string, entry: SharedCheckout): Promise<void> {
    if (entry.users > 0 || this.#checkouts.get(key) !== entry) return;
    clearTimeout(entry.expiry);
    this.#checkouts.delete(key);
    // A checkout that failed to materialize has already removed its directory.
    const dir = await entry.made.catch(() => undefined);
    if (dir !== undefined) await rm(dirname(dir), { recursive: true, force: true });
  }

  /** Writes the commit's tree into a new directory under checkouts/; returns that directory. */
  async #materialize(gitDir: string, sha: string): Promise<string> {
    const root = join(this.#cacheDir, "checkouts");
    await mkdir(root, { recursive: true });
    const base = await mkdtemp(join(root, "co-"));
    const dir = join(base, "tree");
    const cleanup = () => rm(base, { recursive: true, force: true });
    try {
      // read-tree -u with a private index writes the files without touching the mirror (no
      // worktree bookkeeping, nothing to lock) and keeps symlinks as symlinks for the path checks.
      await mkdir(dir);
      await runGit(["--work-tree", dir, "read-tree", "--reset", "-u", `${sha}^{tree}`], {
        gitDir,
        timeoutMs: this.#localTimeoutMs,
        extraEnv: { GIT_INDEX_FILE: join(base, "index") },
        what: "git checkout",
      });
      await rm(join(base, "index"), { force: true });
    } catch (error) {
      await cleanup();
      throw error;
    }
    return dir;
  }

  async changedPaths(location: RepoLocation, from: string, to: string): Promise<string[]> {
    const gitDir = await this.#ensureCommits(location, /^0+$/.test(from) ? [to] : [from, to]);
    // A new branch (all-zero "before") changes every path of its first commit.
    const args = /^0+$/.test(from)
      ? ["ls-tree", "-r", "-z", "--name-only", to]
      : ["diff", "--name-only", "-z", "--no-renames", from, to, "--"];
    const { stdout } = await runGit(args, { gitDir, timeoutMs: this.#localTimeoutMs });
    return stdout.toString("utf8").split("\0").filter(Boolean);
  }

  async treeId(location: RepoLocation, sha: string, path: string): Promise<string | undefined> {
    return (await this.treeIds(location, sha, [path])).get(path);
  }

  /** Object ids of many paths at one commit: one git process, none once the commit is listed. */
  async treeIds(
    location: RepoLocation,
    sha: string,
    paths: string[],
  ): Promise<Map<string, string | undefined>> {
    const gitDir = await this.#ensureCommits(location, [sha]);
    return this.#trees.ids(gitDir, sha, paths);
  }

  async mergeBase(location: RepoLocation, a: string, b: string): Promise<string | undefined> {
    const gitDir = await this.#ensureCommits(location, [a, b]);
    const { stdout, exitCode } = await runGit(["merge-base", a, b], {
      gitDir,
      timeoutMs: this.#localTimeoutMs,
      okExitCodes: [1],
    });
    const sha = stdout.toString("utf8").trim();
    // Exit 1: unrelated histories.
    return exitCode === 1 || sha === "" ? undefined : sha;
  }

  async commitTrailers(location: RepoLocation, query: TrailerQuery): Promise<CommitTrailers[]> {
    if (!Number.isInteger(query.limit) || query.limit < 1) return [];
    const keys = query.keys.filter((key) => /^[A-Za-z0-9-]{1,100}$/.test(key));
    if (keys.length === 0) return [];
    const gitDir = await this.#ensureCommits(
      location,
      query.from === undefined ? [query.to] : [query.from, query.to],
    );
    const key = JSON.stringify([gitDir, query.from, query.to, query.limit, keys, query.maxBytes]);
    const known = this.#trailers.get(key);
    if (known) return known;
    const answer = this.#readTrailers(gitDir, { ...query, keys });
    this.#trailers.set(key, answer);
    // A failed read is not kept: the next caller tries again.
    answer.catch(() => this.#trailers.delete(key));
    return answer;
  }

  async #readTrailers(gitDir: string, query: TrailerQuery): Promise<CommitTrailers[]> {
    const { keys } = query;
    // NUL ends each commit (-z); the commit id, then one "Key: value" line per trailer.
    const format = `%H%n%(trailers:${keys.map((key) => `key=${key}`).join(",")},unfold)`;
    const { stdout } = await runGit(
      [
        "log",
        "-z",
        `--max-count=${query.limit}`,
        `--format=${format}`,
        query.to,
        ...(query.from === undefined ? [] : [`^${query.from}`]),
        "--",
      ],
      { gitDir, timeoutMs: this.#localTimeoutMs, maxOutputBytes: query.maxBytes, what: "git log" },
    );
    return stdout
      .toString("utf8")
      .split("\0")
      .flatMap((entry) => {
        const [sha = "", ...lines] = entry.split("\n");
        const trailers = lines.flatMap((line) => {
          const colon = line.indexOf(":");
          return colon > 0 ? [{ key: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() }] : [];
        });
        return revision.test(sha) && trailers.length > 0 ? [{ sha, trailers }] : [];
      });
  }

  /**
   * Builds the commit from the mirror's objects with a private index (nothing is checked out,
   * the mirror's refs are untouched), then pushes it with --force-with-lease: git refuses the
   * push when the branch moved away from `expected`. Returns the new commit's id, or
   * `expected` itself when it already is this commit (same base, files and message): the same
   * change written again (a poll finding the same image) pushes nothing.
   */
  async pushCommit(location: RepoLocation, commit: CommitToPush): Promise<string> {
    if (!/^[A-Za-z0-9._/-]{1,200}$/.test(commit.branch) || commit.branch.includes(".."))
      throw new AppError(
        "GIT_REF_NOT_FOUND",
        `not a branch name Ferry writes: ${JSON.stringify(commit.branch)}`,
      );
    const gitDir = await this.#ensureCommits(location, [commit.base]);
    const scratch = await mkdtemp(join(this.#cacheDir, "commit-"));
    const local = {
      gitDir,
      timeoutMs: this.#localTimeoutMs,
      extraEnv: { GIT_INDEX_FILE: join(scratch, "index") },
    };
    const text = async (args: string[], stdin?: string) =>
      (await runGit(args, { ...local, ...(stdin !== undefined ? { stdin } : {}) })).stdout
        .toString("utf8")
        .trim();
    try {
      await text(["read-tree", commit.base]);
      for (const [path, content] of commit.files) {
        const blob = await text(["hash-object", "-w", "--stdin"], content);
        // Keep the file's mode (an executable stays executable); new files are regular.
        const mode = (await text(["ls-files", "-s", "--", path])).split(" ")[0] || "100644";
        await text(["update-index", "--add", "--cacheinfo", `${mode},${blob},${path}`]);
      }
      const tree = await text(["write-tree"]);
      if (commit.expected !== undefined && (await sameCommit(text, commit.expected, { ...commit, tree })))
        return commit.expected;
      const person = {
        GIT_AUTHOR_NAME: commit.author.name,
        GIT_AUTHOR_EMAIL: commit.author.email,
        GIT_COMMITTER_NAME: commit.author.name,
        GIT_COMMITTER_EMAIL: commit.author.email,
      };
      const made = (
        await runGit(["commit-tree", tree, "-p", commit.base, "-F", "-"], {
          ...local,
          extraEnv: { ...local.extraEnv, ...person },
          stdin: commit.message,
        })
      ).stdout
        .toString("utf8")
        .trim();
      const ref = `refs/heads/${commit.branch}`;
      await runGit(
        [
          "push",
          "--quiet",
          `--force-with-lease=${ref}:${commit.expected ?? ""}`,
          "--",
          location.url,
          `${made}:${ref}`,
        ],
        { gitDir, auth: await authFor(location), timeoutMs: this.#fetchTimeoutMs, what: "git push" },
      );
      return made;
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }

  /** Clones or fetches until every revision is in the mirror; returns the mirror's directory. */
  async #ensureCommits(location: RepoLocation, revisions: string[]): Promise<string> {
    for (const rev of revisions) {
      if (!revision.test(rev))
        throw new AppError("GIT_REF_NOT_FOUND", `not a commit id: ${JSON.stringify(rev)}`);
    }
    const gitDir = this.mirrorDir(location);
    if (revisions.every((rev) => this.#present.has(`${gitDir}:${rev}`))) return gitDir;
    if (existsSync(gitDir) && (await this.#missing(gitDir, revisions)).length === 0)
      return this.#remember(gitDir, revisions);
    await mkdir(dirname(gitDir), { recursive: true });
    await this.#mirrorLocks.run(gitDir, () =>
      withFileLock(`${gitDir}.lock`, this.#fetchTimeoutMs * this.#attempts + 10_000, async () => {
        if (!existsSync(gitDir)) await this.#clone(location, gitDir);
        else if ((await this.#missing(gitDir, revisions)).length > 0) await this.#fetch(location, gitDir);
      }),
    );
    const missing = await this.#missing(gitDir, revisions);
    if (missing.length > 0) {
      throw new AppError("GIT_REF_NOT_FOUND", `commit ${missing.join(", ")} not found in ${location.repo}`);
    }
    return this.#remember(gitDir, revisions);
  }

  #remember(gitDir: string, revisions: string[]): string {
    if (this.#present.size > 10_000) this.#present.clear();
    for (const rev of revisions) this.#present.add(`${gitDir}:${rev}`);
    return gitDir;
  }

  async #missing(gitDir: string, revisions: string[]): Promise<string[]> {
    const { stdout } = await runGit(["cat-file", "--batch-check=%(objecttype)"], {
      gitDir,
      timeoutMs: this.#localTimeoutMs,
      stdin: revisions.map((rev) => `${rev}^{commit}`).join("\n") + "\n",
    });
    const types = stdout.toString("utf8").split("\n");
    return revisions.filter((_, index) => types[index] !== "commit");
  }

  async #clone(location: RepoLocation, gitDir: string): Promise<void> {
    // Clone next to the final place and rename: a half-finished clone is never mistaken for a mirror.
    const partial = `${gitDir}.partial`;
    await rm(partial, { recursive: true, force: true });
    await withRetries(this.#attempts, async () => {
      await rm(partial, { recursive: true, force: true });
      await runGit(["clone", "--mirror", "--quiet", "--", location.url, partial], {
        auth: await authFor(location),
        timeoutMs: this.#fetchTimeoutMs,
      });
    });
    await rename(partial, gitDir);
  }

  async #fetch(location: RepoLocation, gitDir: string): Promise<void> {
    await withRetries(this.#attempts, async () =>
      runGit(["fetch", "--prune", "--quiet", "--", location.url, "+refs/*:refs/*"], {
        gitDir,
        auth: await authFor(location),
        timeoutMs: this.#fetchTimeoutMs,
      }),
    );
  }
}

/**
 * Whether `sha` (when the mirror has it) is a commit of `tree` on `base` alone with `message`:
 * what pushCommit would write, but for its dates.
 */
async function sameCommit(
  text: (args: string[]) => Promise<string>,
  sha: string,
  wanted: { tree: string; base: string; message: string },
): Promise<boolean> {
  if (!revision.test(sha)) return false;
  const raw = await text(["cat-file", "commit", sha]).catch(() => undefined);
  if (raw === undefined) return false;
  const split = raw.indexOf("\n\n");
  const headers = (split < 0 ? raw : raw.slice(0, split)).split("\n");
  const message = split < 0 ? "" : raw.slice(split + 2);
  const parents = headers.filter((line) => line.startsWith("parent ")).map((line) => line.slice(7));
  return (
    headers.includes(`tree ${wanted.tree}`) &&
    parents.length === 1 &&
    parents[0] === wanted.base &&
    message.trim() === wanted.message.trim()
  );
}
