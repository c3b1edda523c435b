import type { ForgeConfig } from "../../config/schema.ts";
import { isAppError } from "../../errors.ts";
import { forgeCaller, type FailureReader, type ForgeCaller } from "../call.ts";
import { truncate } from "../marker.ts";
import type { ResolvedForgeOptions } from "../options.ts";
import { cachedIdentity, createWithRetry, upsertByMarker } from "../upsert.ts";
import { githubPermissionOf } from "../permissions.ts";
import type {
  ForgeQuota,
  ChangeRequestInfo,
  ChangeRequestRef,
  CheckRuns,
  CommitStatus,
  Forge,
  ForgeUser,
  UpsertResult,
} from "../types.ts";
import { GithubAppCredentials, splitRepo as split } from "./app.ts";
import { githubCheckRuns } from "./checks.ts";
import { createGithubClient, type GithubClient } from "./client.ts";
import { QuotaTracker } from "./quota.ts";
import {
  GithubComment,
  GithubComments,
  GithubMergeResult,
  GithubPermission,
  GithubPull,
  GithubPulls,
  GithubRateLimit,
  GithubReaction,
  GithubUser,
} from "./schema.ts";

type GithubConfig = Extract<ForgeConfig, { type: "github" }>;

// https://docs.github.com/en/rest/commits/statuses#create-a-commit-status: "description … max 140".
const STATUS_DESCRIPTION_MAX = 140;

/**
 * GitHub through a personal access token (one client) or a GitHub App (one client per
 * installation, each sending its installation's current token). Every method first picks the
 * client of the repository it is about.
 */
export class GithubForge implements Forge {
  readonly name: string;
  readonly type = "github" as const;
  readonly #apiUrl: string;
  readonly #call: ForgeCaller;
  readonly #options: ResolvedForgeOptions;
  readonly #quota: QuotaTracker;
  readonly #token: string | undefined;
  readonly #tokenClient: GithubClient | undefined;
  readonly #app: GithubAppCredentials | undefined;
  readonly #installationClients = new Map<number, GithubClient>();
  /** Only a GitHub App may create check runs. */
  readonly checks: CheckRuns | undefined;

  constructor(config: GithubConfig, options: ResolvedForgeOptions) {
    this.name = config.name;
    this.#apiUrl = config.apiUrl;
    this.#options = options;
    this.#token = config.token;
    this.#quota = new QuotaTracker(config.name, options.registry);
    const app = config.app;
    this.#call = forgeCaller({
      forge: config.name,
      token: app ? () => this.#app?.secrets() ?? [] : config.token,
      reader: githubFailures,
    });
    if (app) {
      this.#app = new GithubAppCredentials({
        app,
        apiUrl: config.apiUrl,
        options,
        call: this.#call,
        onResponse: this.#quota.recorder("app"),
      });
      this.checks = githubCheckRuns((repo) => this.#clientFor(repo), this.#call);
    } else {
      this.#tokenClient = createGithubClient({
        apiUrl: config.apiUrl,
        token: config.token,
        options,
        onResponse: this.#quota.recorder("token"),
      });
    }
  }

  /** The token git presents for `repo`: the App installation's current one, or the configured token. */
  gitToken(repo: string): Promise<string> {
    return this.#app ? this.#app.tokenFor(repo) : Promise.resolve(this.#token ?? "");
  }

  /** An App writes as `<slug>[bot]`; a token as its user (GET /user). */
  readonly identity = cachedIdentity(async () => {
    if (this.#app) return `${await this.#app.slug()}[bot]`;
    const client = this.#tokenClient;
    if (!client) throw new Error("unreachable: a GitHub forge has an App or a token client");
    const user = await this.#call(
      "GET",
      "/user",
      GithubUser,
      async () => (await client.rest.users.getAuthenticated()).data,
    );
    return user.login;
  });

  upsertComment(target: ChangeRequestRef, key: string, body: string): Promise<UpsertResult> {
    const { owner, repo } = split(target.repo);
    const issue = { owner, repo, issue_number: target.number };
    return upsertByMarker(
      {
        list: async () => {
          const client = await this.#clientFor(target.repo);
          const comments = await this.#call(
            "GET",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            GithubComments,
            () => client.paginate(client.rest.issues.listComments, { ...issue, per_page: 100 }),
          );
          return comments.map(({ id, body, user }) => ({ id, body, author: user?.login }));
        },
        self: () => this.identity(),
        create: (text) => this.#createComment(issue, text),
        update: async (id, text) => {
          const client = await this.#clientFor(target.repo);
          await this.#call(
            "PATCH",
            "/repos/{owner}/{repo}/issues/comments/{comment_id}",
            GithubComment,
            async () =>
              (await client.rest.issues.updateComment({ owner, repo, comment_id: id, body: text })).data,
          );
        },
      },
      key,
      body,
      this.#options,
    );
  }

  createComment(target: ChangeRequestRef, body: string): Promise<number> {
    const { owner, repo } = split(target.repo);
    return createWithRetry(
      () => this.#createComment({ owner, repo, issue_number: target.number }, body),
      this.#options,
    );
  }

  async setStatus(repoPath: string, status: CommitStatus): Promise<void> {
    const { owner, repo } = split(repoPath);
    const client = await this.#clientFor(repoPath);
    await this.#call("POST", "/repos/{owner}/{repo}/statuses/{sha}", undefined, async () => {
      await client.rest.repos.createCommitStatus({
        owner,
        repo,
        sha: status.sha,
        state: status.state,
        context: status.context,
        description: truncate(status.description, STATUS_DESCRIPTION_MAX),
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
      });
    });
  }

  async getChangeRequest(target: ChangeRequestRef): Promise<ChangeRequestInfo> {
    const { owner, repo } = split(target.repo);
    const client = await this.#clientFor(target.repo);
    const pull = await this.#call(
      "GET",
      "/repos/{owner}/{repo}/pulls/{pull_number}",
      GithubPull,
      async () => (await client.rest.pulls.get({ owner, repo, pull_number: target.number })).data,
    );
    return toInfo(pull);
  }

  async findMergedChangeRequest(repoPath: string, sha: string): Promise<number | undefined> {
    const { owner, repo } = split(repoPath);
    const client = await this.#clientFor(repoPath);
    const pulls = await this.#call(
      "GET",
      "/repos/{owner}/{repo}/commits/{commit_sha}/pulls",
      GithubPulls,
      async () =>
        (await client.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha })).data,
    );
    return pulls.find((pull) => pull.merged_at)?.number;
  }

  async permissionOf(repoPath: string, user: ForgeUser): Promise<string> {
    const { owner, repo } = split(repoPath);
    const client = await this.#clientFor(repoPath);
    try {
      const answer = await this.#call(
        "GET",
        "/repos/{owner}/{repo}/collaborators/{username}/permission",
        GithubPermission,
        async () =>
          (
            await client.rest.repos.getCollaboratorPermissionLevel({
              owner,
              repo,
              username: user.login,
            })
          ).data,
      );
      return githubPermissionOf(answer);
    } catch (error) {
      // 404: the user is unknown or not a collaborator (documented answer for "not found").
      if (isAppError(error) && error.details?.status === 404) return "none";
      throw error;
    }
  }

  async acknowledge(target: ChangeRequestRef, commentId: number): Promise<void> {
    const { owner, repo } = split(target.repo);
    const client = await this.#clientFor(target.repo);
    await this.#call(
      "POST",
      "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
      GithubReaction,
      async () =>
        (
          await client.rest.reactions.createForIssueComment({
            owner,
            repo,
            comment_id: commentId,
            content: "+1",
          })
        ).data,
    );
  }

  /**
   * The open pull request from `head` into `base`, edited when its title or body differ, opened
   * when there is none. Its creation is not repeated on 5xx (`retries: 0`): a lost answer would
   * turn the repeat into a 422 "already exists"; the caller's next attempt finds it by the list.
   */
  async upsertChangeRequest(
    repoPath: string,
    input: { head: string; base: string; title: string; body: string },
  ): Promise<{ number: number; url: string; created: boolean }> {
    const { owner, repo } = split(repoPath);
    const client = await this.#clientFor(repoPath);
    const [existing] = await this.#openPulls(repoPath, input.head, input.base);
    if (existing && existing.title === input.title && (existing.body ?? "") === input.body)
      return { number: existing.number, url: urlOf(repoPath, existing), created: false };
    const { title, body } = input;
    const pull = existing
      ? await this.#updatePull(repoPath, existing.number, { title, body })
      : await this.#call(
          "POST",
          "/repos/{owner}/{repo}/pulls",
          GithubPull,
          async () =>
            (
              await client.rest.pulls.create({
                owner,
                repo,
                head: input.head,
                base: input.base,
                title,
                body,
                request: { retries: 0 },
              })
            ).data,
        );
    return { number: pull.number, url: urlOf(repoPath, pull), created: !existing };
  }

  async closeChangeRequest(repoPath: string, head: string, comment: string): Promise<number | undefined> {
    const [open] = await this.#openPulls(repoPath, head);
    if (!open) return undefined;
    await this.createComment({ repo: repoPath, number: open.number }, comment);
    await this.#updatePull(repoPath, open.number, { state: "closed" });
    return open.number;
  }

  /**
   * PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge with `sha`: GitHub merges only while
   * the head is that commit (409 otherwise) and only what branch protection and the repository's
   * merge settings allow (405, 403). The merge method is the repository's default. Not repeated
   * on 5xx (`retries: 0`): a repeat after a lost answer would be a 405 for a merged pull.
   */
  async mergeChangeRequest(target: ChangeRequestRef, sha: string): Promise<{ mergeCommit?: string }> {
    const { owner, repo } = split(target.repo);
    const client = await this.#clientFor(target.repo);
    const merged = await this.#call(
      "PUT",
      "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
      GithubMergeResult,
      async () =>
        (
          await client.rest.pulls.merge({
            owner,
            repo,
            pull_number: target.number,
            sha,
            request: { retries: 0 },
          })
        ).data,
    );
    return { mergeCommit: merged.sha };
  }

  async #updatePull(
    repoPath: string,
    number: number,
    fields: { title: string; body: string } | { state: "closed" },
  ): Promise<GithubPull> {
    const { owner, repo } = split(repoPath);
    const client = await this.#clientFor(repoPath);
    return this.#call(
      "PATCH",
      "/repos/{owner}/{repo}/pulls/{pull_number}",
      GithubPull,
      async () => (await client.rest.pulls.update({ owner, repo, pull_number: number, ...fields })).data,
    );
  }

  /**
   * Open pull requests from branch `head` of this repository (into `base` when given). GitHub
   * wants the head as `owner:branch`; a bare branch name would not filter at all.
   */
  async #openPulls(repoPath: string, head: string, base?: string): Promise<GithubPull[]> {
    const { owner, repo } = split(repoPath);
    const client = await this.#clientFor(repoPath);
    return this.#call(
      "GET",
      "/repos/{owner}/{repo}/pulls",
      GithubPulls,
      async () =>
        (
          await client.rest.pulls.list({
            owner,
            repo,
            head: `${owner}:${head}`,
            state: "open",
            ...(base === undefined ? {} : { base }),
            per_page: 100,
          })
        ).data,
    );
  }

  /** Comment creation is not repeated by Octokit on 5xx (`retries: 0`): see upsertByMarker. */
  async #createComment(issue: { owner: string; repo: string; issue_number: number }, body: string) {
    const client = await this.#clientFor(`${issue.owner}/${issue.repo}`);
    const created = await this.#call(
      "POST",
      "/repos/{owner}/{repo}/issues/{issue_number}/comments",
      GithubComment,
      async () => (await client.rest.issues.createComment({ ...issue, body, request: { retries: 0 } })).data,
    );
    return created.id;
  }

  async quotaOf(repo: string): Promise<ForgeQuota | undefined> {
    if (!this.#app) return this.#quota.last("token");
    return this.#quota.last(String(await this.#app.installationOf(repo)));
  }

  /**
   * Asks GitHub for the current window (GET /rate_limit, which "does not count against your
   * REST API rate limit"); its headers update the reading like any answer's.
   */
  async refreshQuota(repo: string): Promise<ForgeQuota | undefined> {
    const client = await this.#clientFor(repo);
    await this.#call(
      "GET",
      "/rate_limit",
      GithubRateLimit,
      async () => (await client.rest.rateLimit.get()).data,
    );
    return this.quotaOf(repo);
  }

  /** The token client, or the client of the App installation that covers `repo`. */
  async #clientFor(repo: string): Promise<GithubClient> {
    const app = this.#app;
    if (!app) return this.#tokenClient as GithubClient;
    const installation = await app.installationOf(repo);
    let client = this.#installationClients.get(installation);
    if (!client) {
      client = createGithubClient({
        apiUrl: this.#apiUrl,
        tokenSource: () => app.installationToken(installation),
        options: this.#options,
        onResponse: this.#quota.recorder(String(installation)),
      });
      this.#installationClients.set(installation, client);
    }
    return client;
  }
}

// Octokit throws RequestError (name "HttpError") with the status and GitHub's JSON answer;
// the request it carries is not passed on (it holds the auth header, even if masked).
const githubFailures: FailureReader = {
  status(error) {
    const status = (error as { status?: unknown }).status;
    return error instanceof Error && error.name === "HttpError" && typeof status === "number"
      ? status
      : undefined;
  },
  message(error) {
    const data = (error as { response?: { data?: { message?: unknown; errors?: unknown } } }).response?.data;
    if (typeof data?.message !== "string") return error instanceof Error ? error.message : String(error);
    // A 422 "Validation Failed" says why only in errors[].message ("A pull request already exists for …").
    const reasons = Array.isArray(data.errors)
      ? data.errors.flatMap((e: { message?: unknown }) => (typeof e?.message === "string" ? [e.message] : []))
      : [];
    return reasons.length > 0 ? `${data.message}: ${reasons.join("; ")}` : data.message;
  },
};

/** The pull request's page; GitHub always sends html_url, the fallback only names it. */
function urlOf(repo: string, pull: GithubPull): string {
  return pull.html_url ?? `${repo}#${pull.number}`;
}

function toInfo(pull: GithubPull): ChangeRequestInfo {
  const state = pull.merged_at ? "merged" : pull.state;
  const { head, base } = pull;
  return {
    number: pull.number,
    headSha: head.sha,
    state,
    ...(pull.html_url ? { url: pull.html_url } : {}),
    ...(head.ref ? { headRef: head.ref } : {}),
    ...(base ? { baseRef: base.ref, baseSha: base.sha } : {}),
    ...(base?.repo
      ? { isFork: head.repo?.full_name.toLowerCase() !== base.repo.full_name.toLowerCase() }
      : {}),
    ...(pull.user ? { author: pull.user.login } : {}),
    ...(pull.merged_by ? { mergedBy: pull.merged_by.login } : {}),
  };
}
