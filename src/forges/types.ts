// Outbound calls to a forge. One implementation per forge type (github/, gitlab/), chosen by
// the forge's `type` in ferry.yaml; callers only see this interface.

export interface ChangeRequestRef {
  repo: string;
  number: number;
}

export type CommitState = "pending" | "success" | "failure" | "error";

export interface CommitStatus {
  sha: string;
  /** e.g. `ferry/preview` or `ferry/deploy/<app>`. */
  context: string;
  state: CommitState;
  description: string;
  targetUrl?: string;
}

export interface UpsertResult {
  id: number;
  action: "created" | "updated" | "unchanged";
}

export interface ChangeRequestInfo {
  number: number;
  headSha: string;
  state: "open" | "closed" | "merged";
  url?: string;
  /** Source and target branches; the base commit when the forge names it (GitLab's diff_refs). */
  headRef?: string;
  baseRef?: string;
  baseSha?: string;
  /** The head lives in another repository than the base. */
  isFork?: boolean;
  /** Who opened it and who merged it (usernames), for the deployment history. */
  author?: string;
  mergedBy?: string;
}

/** The person behind a comment: GitLab's member lookup needs the numeric id, GitHub the login. */
export interface ForgeUser {
  login: string;
  id?: number;
}

/** How a check run ended (GitHub's Checks API; only the ones Ferry uses). */
export type CheckConclusion = "success" | "failure" | "neutral" | "action_required";

/** A note on a line of a file in the repository, shown in "Files changed". */
export interface CheckAnnotation {
  path: string;
  startLine: number;
  endLine: number;
  level: "notice" | "warning" | "failure";
  title: string;
  message: string;
}

/** A button on a check run; pressing it sends check_run.requested_action with `identifier`. */
export interface CheckAction {
  label: string;
  description: string;
  identifier: string;
}

export interface CheckRunResult {
  conclusion: CheckConclusion;
  title: string;
  /** Markdown, at most 65,535 characters. */
  summary: string;
  annotations: CheckAnnotation[];
  actions?: CheckAction[];
  detailsUrl?: string;
}

/** Check runs: a forge that has them (a GitHub App) reports through them instead of statuses. */
export interface CheckRuns {
  /** Creates the run `in_progress` on `headSha`; returns its id. */
  start(repo: string, run: { name: string; headSha: string; externalId: string }): Promise<number>;
  /** Completes the run; annotations beyond the per-request limit go in further updates. */
  finish(repo: string, id: number, result: CheckRunResult): Promise<void>;
  /** Replaces a run's title and summary only (its status and conclusion stay). */
  note(repo: string, id: number, output: { title: string; summary: string }): Promise<void>;
}

/** The rate-limit window of the credentials a repository's calls use, as last answered. */
export interface ForgeQuota {
  remaining: number;
  limit: number;
  /** When the window resets (epoch ms). */
  resetAt: number;
}

export interface Forge {
  readonly name: string;
  readonly type: "github" | "gitlab";
  /**
   * The account Ferry writes as (GitHub: the token's user, or a GitHub App's `<slug>[bot]`;
   * GitLab: the token's user). Only comments it wrote can be Ferry's: anyone can type a marker.
   * Asked once, then cached.
   */
  identity(): Promise<string>;
  /**
   * Keeps ONE comment per (change request, key): finds it by the hidden marker that starts
   * with `<!-- ferry:<key> ` among the comments Ferry's identity wrote, edits it in place, and
   * leaves it alone when the body is equal.
   */
  upsertComment(target: ChangeRequestRef, key: string, body: string): Promise<UpsertResult>;
  /** Plain new comment (deploy and rollback reports). */
  createComment(target: ChangeRequestRef, body: string): Promise<number>;
  setStatus(repo: string, status: CommitStatus): Promise<void>;
  /** Present when the forge reports through check runs (GitHub App mode). */
  readonly checks?: CheckRuns;
  /**
   * The quota left for `repo`'s calls in the current window, from the last answer (no API call
   * but the cached installation lookup); undefined when nothing is known or the window reset.
   */
  quotaOf?(repo: string): Promise<ForgeQuota | undefined>;
  /** The same, asked of the forge now (a call that costs no quota). */
  refreshQuota?(repo: string): Promise<ForgeQuota | undefined>;
  getChangeRequest(target: ChangeRequestRef): Promise<ChangeRequestInfo>;
  /** The merged change request whose merge (or squash) produced `sha`, if any. */
  findMergedChangeRequest(repo: string, sha: string): Promise<number | undefined>;
  /**
   * The token git presents to clone `repo`, asked for before every fetch: a GitHub App's
   * installation tokens expire within the hour. Forges with one fixed token need not offer it.
   */
  gitToken?(repo: string): Promise<string>;
  /**
   * The user's permission level on the repository, by the forge's own names
   * (src/forges/permissions.ts); "none" when they are not a member at all.
   */
  permissionOf(repo: string, user: ForgeUser): Promise<string>;
  /** Marks a comment as seen and accepted (a reaction or award emoji on it). */
  acknowledge(target: ChangeRequestRef, commentId: number): Promise<void>;
  /** Opens a change request that reverts `sha` on `branch`; returns its URL. */
  openRevertRequest?(
    repo: string,
    input: { branch: string; sha: string; title: string; body: string },
  ): Promise<string>;
  /**
   * Image updates (src/images/propose.ts): the one open change request from branch `head` into
   * `base` — edited in place (title, body) when it exists, opened otherwise.
   */
  upsertChangeRequest?(
    repo: string,
    input: { head: string; base: string; title: string; body: string },
  ): Promise<{ number: number; url: string; created: boolean }>;
  /** Closes the open change request from branch `head`, if any, after leaving `comment` on it; its number or undefined. */
  closeChangeRequest?(repo: string, head: string, comment: string): Promise<number | undefined>;
  /**
   * Automatic merges of image updates (src/images/auto-merge.ts): merges the change request
   * only while its head is still `sha` — the forge refuses otherwise, as it refuses whatever its
   * own rules forbid (FORGE_API_FAILED with the forge's status). Never repeated by the transport:
   * a lost answer could hide a merge that happened. The merge commit, when the forge names it.
   */
  mergeChangeRequest?(target: ChangeRequestRef, sha: string): Promise<{ mergeCommit?: string }>;
}
