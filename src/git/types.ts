/** Where a repository lives and how to authenticate to it (the token never goes in a URL). */
export interface RepoLocation {
  /** owner/name or path_with_namespace, used for cache and lock keys. */
  repo: string;
  /** Clone URL: https://…, file://… or a local path (tests). */
  url: string;
  /**
   * HTTPS token, or where to get the current one (a GitHub App installation token, renewed
   * as it nears expiry); sent as an Authorization header, never logged.
   */
  token?: string | (() => Promise<string>);
  /** "github" | "gitlab": how the token is presented. */
  forgeType?: "github" | "gitlab";
}

/** One commit's files in a private directory, removed by cleanup(). */
export interface Checkout {
  dir: string;
  sha: string;
  cleanup(): Promise<void>;
}

export interface GitService {
  /** Commit sha of a branch on the remote (ls-remote), without fetching. */
  headOf(location: RepoLocation, branch: string): Promise<string>;
  /** Makes sure the mirror has `sha` (fetching when needed) and checks it out. */
  checkout(location: RepoLocation, sha: string): Promise<Checkout>;
  /** Paths changed between two commits (both must be in the mirror, fetched if needed). */
  changedPaths(location: RepoLocation, from: string, to: string): Promise<string[]>;
  /** The git tree/blob id of a path at a commit, or undefined when it does not exist. */
  treeId(location: RepoLocation, sha: string, path: string): Promise<string | undefined>;
  /** Optional batch form of treeId: one lookup for many paths (render cache keys). */
  treeIds?(location: RepoLocation, sha: string, paths: string[]): Promise<Map<string, string | undefined>>;
  /**
   * Optional: the best common ancestor of two commits (fetched if needed), undefined when their
   * histories are unrelated. Without it a caller compares with one of the commits instead.
   */
  mergeBase?(location: RepoLocation, a: string, b: string): Promise<string | undefined>;
  /**
   * Optional: the trailers named in `query.keys` of the newest `query.limit` commits of `to`
   * that `from` does not have (all of `to`'s history without `from`), newest first; commits
   * without any of them are left out. Values are as git parses them (folded lines unfolded).
   */
  commitTrailers?(location: RepoLocation, query: TrailerQuery): Promise<CommitTrailers[]>;
  /** Optional: writes a commit and pushes it to a branch (image updates; see CommitToPush). */
  pushCommit?(location: RepoLocation, commit: CommitToPush): Promise<string>;
  /** Optional: releases what outlives a call (checkouts kept for the next caller). */
  close?(): Promise<void>;
}

/**
 * One commit Ferry writes itself (src/images/propose.ts): `files` (path → whole new content)
 * on top of `base`, pushed to `branch` only while that branch still points at `expected`
 * (undefined: the branch must not exist yet), so a commit someone else pushed there meanwhile
 * is never overwritten unseen.
 */
export interface CommitToPush {
  base: string;
  branch: string;
  files: ReadonlyMap<string, string>;
  message: string;
  author: { name: string; email: string };
  expected: string | undefined;
}

export interface TrailerQuery {
  to: string;
  from?: string;
  /** At most this many commits are read. */
  limit: number;
  /** Trailer keys (letters, digits and '-'), matched as git does: case-insensitively. */
  keys: readonly string[];
  /** The whole answer's bound: more fails with GIT_FAILED instead of being read. */
  maxBytes: number;
}

export interface CommitTrailers {
  sha: string;
  trailers: Array<{ key: string; value: string }>;
}
