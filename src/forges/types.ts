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
}

export interface Forge {
  readonly name: string;
  readonly type: "github" | "gitlab";
  /**
   * Keeps ONE comment per (change request, key): finds it by the hidden marker that starts
   * with `<!-- ferry:<key> `, edits it in place, and leaves it alone when the body is equal.
   */
  upsertComment(target: ChangeRequestRef, key: string, body: string): Promise<UpsertResult>;
  /** Plain new comment (deploy and rollback reports). */
  createComment(target: ChangeRequestRef, body: string): Promise<number>;
  setStatus(repo: string, status: CommitStatus): Promise<void>;
  getChangeRequest(target: ChangeRequestRef): Promise<ChangeRequestInfo>;
  /** The merged change request whose merge (or squash) produced `sha`, if any. */
  findMergedChangeRequest(repo: string, sha: string): Promise<number | undefined>;
  /**
   * The token git presents to clone `repo`, asked for before every fetch: a GitHub App's
   * installation tokens expire within the hour. Forges with one fixed token need not offer it.
   */
  gitToken?(repo: string): Promise<string>;
  /** Opens a change request that reverts `sha` on `branch`; returns its URL. */
  openRevertRequest?(
    repo: string,
    input: { branch: string; sha: string; title: string; body: string },
  ): Promise<string>;
}
