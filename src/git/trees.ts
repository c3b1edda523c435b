// Object ids of paths at a commit, for render cache keys. A job that renders many apps of one
// commit asks for a few paths per app; a git process per app (≈10 ms) made the cache lookup of
// a 1,000-app monorepo take 11 s. A commit's tree never changes, so from the second question
// about a commit on, its whole tree is listed once (`ls-tree -r -t`, one process) and every
// later question is a map lookup. The first question stays a `cat-file` of just its paths, so a
// job that renders one app of a huge repository does not pay for listing all of it.
import { RecentMap } from "./recent.ts";
import { runGit } from "./run.ts";

type Ids = Map<string, string | undefined>;

export interface TreeLookupOptions {
  timeoutMs: number;
  /** Commits whose listings are kept (most recently used). */
  keep?: number;
}

interface Entry {
  asked: number;
  listing?: Promise<Map<string, string> | undefined>;
}

export class TreeLookup {
  readonly #timeoutMs: number;
  readonly #commits: RecentMap<string, Entry>;

  constructor(options: TreeLookupOptions) {
    this.#timeoutMs = options.timeoutMs;
    this.#commits = new RecentMap(options.keep ?? 4);
  }

  async ids(gitDir: string, sha: string, paths: string[]): Promise<Ids> {
    const listing = await this.#listingFor(gitDir, sha);
    const result: Ids = new Map();
    const rest: string[] = [];
    for (const path of paths) {
      const name = gitPath(path);
      // The root and odd spellings are not rows of the listing: cat-file answers those.
      if (listing && name !== "" && plain(name)) result.set(path, listing.get(name));
      else rest.push(path);
    }
    if (rest.length > 0)
      for (const [path, id] of await catFile(gitDir, sha, rest, this.#timeoutMs)) result.set(path, id);
    return result;
  }

  async #listingFor(gitDir: string, sha: string): Promise<Map<string, string> | undefined> {
    const key = `${gitDir}:${sha}`;
    const entry = this.#commits.get(key) ?? { asked: 0 };
    this.#commits.set(key, entry);
    entry.asked++;
    if (entry.asked < 2) return undefined;
    if (!entry.listing) {
      entry.listing = listTree(gitDir, sha, this.#timeoutMs);
      // A failed listing is not kept: the next question tries again, this one uses cat-file.
      entry.listing.catch(() => (entry.listing = undefined));
    }
    return entry.listing.catch(() => undefined);
  }
}

async function listTree(gitDir: string, sha: string, timeoutMs: number): Promise<Map<string, string>> {
  const { stdout } = await runGit(["ls-tree", "-r", "-t", "-z", "--full-tree", sha], { gitDir, timeoutMs });
  const ids = new Map<string, string>();
  // "<mode> <type> <id>\t<path>\0" (with -z paths are not quoted)
  for (const row of stdout.toString("utf8").split("\0")) {
    const tab = row.indexOf("\t");
    if (tab < 0) continue;
    const meta = row.slice(0, tab).split(" ");
    const id = meta[2];
    if (id) ids.set(row.slice(tab + 1), id);
  }
  return ids;
}

async function catFile(gitDir: string, sha: string, paths: string[], timeoutMs: number): Promise<Ids> {
  const queries = paths.map((path) => `${sha}:${gitPath(path)}`);
  const { stdout } = await runGit(["cat-file", "--batch-check=%(objectname)"], {
    gitDir,
    timeoutMs,
    stdin: queries.join("\n") + "\n",
  });
  const lines = stdout.toString("utf8").split("\n");
  const result: Ids = new Map();
  paths.forEach((path, index) => {
    const line = lines[index] ?? "";
    result.set(path, /^[0-9a-f]{40,64}$/.test(line) ? line : undefined);
  });
  return result;
}

/** "apps/x/", "./apps/x" and "." all name paths the way `<rev>:<path>` expects. */
export function gitPath(path: string): string {
  const trimmed = path.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
  return trimmed === "." ? "" : trimmed;
}

/** A path spelled the way ls-tree prints it: no empty, "." or ".." segments. */
function plain(name: string): boolean {
  return name.split("/").every((part) => part !== "" && part !== "." && part !== "..");
}
