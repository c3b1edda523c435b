import {
  Branches,
  Commits,
  MergeRequestNoteAwardEmojis,
  MergeRequestNotes,
  MergeRequests,
  ProjectMembers,
  Users,
} from "@gitbeaker/rest";
import type { ForgeConfig } from "../../config/schema.ts";
import { AppError } from "../../errors.ts";
import { forgeCaller, type FailureReader, type ForgeCaller } from "../call.ts";
import { truncate } from "../marker.ts";
import type { ResolvedForgeOptions } from "../options.ts";
import { gitlabPermissionOf } from "../permissions.ts";
import type {
  ChangeRequestInfo,
  ChangeRequestRef,
  CommitState,
  CommitStatus,
  Forge,
  ForgeUser,
  UpsertResult,
} from "../types.ts";
import { cachedIdentity, createWithRetry, upsertByMarker } from "../upsert.ts";
import { createGitlabRequester, GitlabAnswerError } from "./requester.ts";
import {
  GitlabAwardEmoji,
  GitlabCommit,
  GitlabCommitStatus,
  GitlabMember,
  GitlabMergedRequest,
  GitlabMergeRequest,
  GitlabMergeRequests,
  GitlabNote,
  GitlabNotes,
  GitlabUser,
} from "./schema.ts";

type GitlabConfig = Extract<ForgeConfig, { type: "gitlab" }>;

// GitLab's commit status states: pending, running, success, failed, canceled.
const gitlabState: Record<CommitState, "pending" | "running" | "success" | "failed" | "canceled"> = {
  pending: "pending",
  success: "success",
  failure: "failed",
  error: "failed",
};

// Posting the state a status already has is refused with 400 "Cannot transition status via
// :enqueue from :pending"; the status is then already what we wanted.
const SAME_STATE = /Cannot transition status/i;

export class GitlabForge implements Forge {
  readonly name: string;
  readonly type = "gitlab" as const;
  readonly #api;
  readonly #call: ForgeCaller;
  readonly #options: ResolvedForgeOptions;

  constructor(config: GitlabConfig, options: ResolvedForgeOptions) {
    this.name = config.name;
    this.#call = forgeCaller({ forge: config.name, token: config.token, reader: gitlabFailures });
    this.#options = options;
    // The project id in paths is the path_with_namespace; gitbeaker URL-encodes it.
    const settings = {
      host: config.url.replace(/\/+$/, ""),
      ...(config.token ? { token: config.token } : {}),
      requesterFn: createGitlabRequester(options),
    };
    this.#api = {
      notes: new MergeRequestNotes(settings),
      commits: new Commits(settings),
      mergeRequests: new MergeRequests(settings),
      branches: new Branches(settings),
      users: new Users(settings),
      members: new ProjectMembers(settings),
      noteEmojis: new MergeRequestNoteAwardEmojis(settings),
    };
  }

  /** The token's user (GET /user). */
  readonly identity = cachedIdentity(async () => {
    const user = await this.#call("GET", "/user", GitlabUser, () => this.#api.users.showCurrentUser());
    return user.username;
  });

  upsertComment(target: ChangeRequestRef, key: string, body: string): Promise<UpsertResult> {
    const { repo, number } = target;
    const notesRoute = "/projects/:id/merge_requests/:iid/notes";
    return upsertByMarker(
      {
        list: async () => {
          const notes = await this.#call("GET", notesRoute, GitlabNotes, () =>
            this.#api.notes.all(repo, number, { perPage: 100 }),
          );
          return notes
            .filter((note) => !note.system)
            .map(({ id, body, author }) => ({ id, body, author: author?.username }));
        },
        self: () => this.identity(),
        create: (text) => this.#createNote(target, text),
        update: async (id, text) => {
          await this.#call("PUT", `${notesRoute}/:note_id`, GitlabNote, () =>
            this.#api.notes.edit(repo, number, id, { body: text }),
          );
        },
      },
      key,
      body,
      this.#options,
    );
  }

  createComment(target: ChangeRequestRef, body: string): Promise<number> {
    return createWithRetry(() => this.#createNote(target, body), this.#options);
  }

  async setStatus(repo: string, status: CommitStatus): Promise<void> {
    try {
      await this.#call("POST", "/projects/:id/statuses/:sha", GitlabCommitStatus, () =>
        this.#api.commits.editStatus(repo, status.sha, gitlabState[status.state], {
          name: status.context,
          description: truncate(status.description, 255),
          ...(status.targetUrl ? { targetUrl: status.targetUrl } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof AppError && error.details?.status === 400 && SAME_STATE.test(error.message))
        return;
      throw error;
    }
  }

  async getChangeRequest(target: ChangeRequestRef): Promise<ChangeRequestInfo> {
    const mr = await this.#call("GET", "/projects/:id/merge_requests/:iid", GitlabMergeRequest, () =>
      this.#api.mergeRequests.show(target.repo, target.number),
    );
    return toInfo(mr);
  }

  async findMergedChangeRequest(repo: string, sha: string): Promise<number | undefined> {
    const mrs = await this.#call(
      "GET",
      "/projects/:id/repository/commits/:sha/merge_requests",
      GitlabMergeRequests,
      () => this.#api.commits.allMergeRequests(repo, sha),
    );
    return mrs.find((mr) => mr.state === "merged")?.iid;
  }

  /** Direct and inherited membership (members/all): a group's Developer is the project's too. */
  async permissionOf(repo: string, user: ForgeUser): Promise<string> {
    if (user.id === undefined) return "none";
    const userId = user.id;
    try {
      const member = await this.#call("GET", "/projects/:id/members/all/:user_id", GitlabMember, () =>
        this.#api.members.show(repo, userId, { includeInherited: true }),
      );
      return gitlabPermissionOf(member.access_level);
    } catch (error) {
      if (error instanceof AppError && error.details?.status === 404) return "none";
      throw error;
    }
  }

  async acknowledge(target: ChangeRequestRef, commentId: number): Promise<void> {
    await this.#call(
      "POST",
      "/projects/:id/merge_requests/:iid/notes/:note_id/award_emoji",
      GitlabAwardEmoji,
      () => this.#api.noteEmojis.award(target.repo, target.number, commentId, "thumbsup"),
    );
  }

  /** Branch from `branch`, let GitLab revert `sha` onto it, and open an MR back into `branch`. */
  async openRevertRequest(
    repo: string,
    input: { branch: string; sha: string; title: string; body: string },
  ): Promise<string> {
    const revertBranch = `ferry/revert-${input.sha.slice(0, 12)}`;
    await this.#call("POST", "/projects/:id/repository/branches", undefined, () =>
      this.#api.branches.create(repo, revertBranch, input.branch),
    );
    await this.#call("POST", "/projects/:id/repository/commits/:sha/revert", GitlabCommit, () =>
      this.#api.commits.revert(repo, input.sha, revertBranch),
    );
    const mr = await this.#call("POST", "/projects/:id/merge_requests", GitlabMergeRequest, () =>
      this.#api.mergeRequests.create(repo, revertBranch, input.branch, input.title, {
        description: input.body,
      }),
    );
    return urlOf(repo, mr);
  }

  /**
   * The open merge request from `head` into `base`, edited when its title or description
   * differ, opened when there is none (a lost answer to the creation is not repeated: see the
   * requester; the caller's next attempt finds it by the list).
   */
  async upsertChangeRequest(
    repo: string,
    input: { head: string; base: string; title: string; body: string },
  ): Promise<{ number: number; url: string; created: boolean }> {
    const [existing] = await this.#openMergeRequests(repo, input.head, input.base);
    if (existing && existing.title === input.title && (existing.description ?? "") === input.body)
      return { number: existing.iid, url: urlOf(repo, existing), created: false };
    const mr = existing
      ? await this.#call("PUT", "/projects/:id/merge_requests/:iid", GitlabMergeRequest, () =>
          this.#api.mergeRequests.edit(repo, existing.iid, { title: input.title, description: input.body }),
        )
      : await this.#call("POST", "/projects/:id/merge_requests", GitlabMergeRequest, () =>
          this.#api.mergeRequests.create(repo, input.head, input.base, input.title, {
            description: input.body,
          }),
        );
    return { number: mr.iid, url: urlOf(repo, mr), created: !existing };
  }

  async closeChangeRequest(repo: string, head: string, comment: string): Promise<number | undefined> {
    const [open] = await this.#openMergeRequests(repo, head);
    if (!open) return undefined;
    await this.createComment({ repo, number: open.iid }, comment);
    await this.#call("PUT", "/projects/:id/merge_requests/:iid", GitlabMergeRequest, () =>
      this.#api.mergeRequests.edit(repo, open.iid, { stateEvent: "close" }),
    );
    return open.iid;
  }

  /**
   * PUT /projects/:id/merge_requests/:iid/merge with `sha`: GitLab merges only while the source
   * branch's head is that commit (409 otherwise) and only what the project's merge checks allow
   * (405 not mergeable, 406/422 cannot be merged, 401 not allowed to merge). The requester does
   * not repeat it on 5xx: a lost answer could hide a merge. A 200 whose merge request is not
   * merged (GitLab set it to merge later) is refused rather than taken for a merge.
   */
  async mergeChangeRequest(target: ChangeRequestRef, sha: string): Promise<{ mergeCommit?: string }> {
    const mr = await this.#call("PUT", "/projects/:id/merge_requests/:iid/merge", GitlabMergedRequest, () =>
      this.#api.mergeRequests.accept(target.repo, target.number, { sha }),
    );
    return mr.merge_commit_sha ? { mergeCommit: mr.merge_commit_sha } : {};
  }

  /** Open merge requests from branch `head` (into `base` when given); one page is plenty. */
  #openMergeRequests(repo: string, head: string, base?: string): Promise<GitlabMergeRequest[]> {
    return this.#call("GET", "/projects/:id/merge_requests", GitlabMergeRequests, () =>
      this.#api.mergeRequests.all({
        projectId: repo,
        sourceBranch: head,
        ...(base === undefined ? {} : { targetBranch: base }),
        state: "opened",
        perPage: 100,
        maxPages: 1,
      }),
    );
  }

  async #createNote(target: ChangeRequestRef, body: string): Promise<number> {
    const note = await this.#call("POST", "/projects/:id/merge_requests/:iid/notes", GitlabNote, () =>
      this.#api.notes.create(target.repo, target.number, body),
    );
    return note.id;
  }
}

const gitlabFailures: FailureReader = {
  status: (error) => (error instanceof GitlabAnswerError ? error.status : undefined),
  message: (error) => (error instanceof Error ? error.message : String(error)),
};

function toInfo(mr: GitlabMergeRequest): ChangeRequestInfo {
  const state = mr.state === "merged" ? "merged" : mr.state === "closed" ? "closed" : "open";
  const merger = mr.merge_user ?? mr.merged_by;
  const projects = [mr.source_project_id, mr.target_project_id];
  return {
    number: mr.iid,
    headSha: mr.sha ?? "",
    state,
    ...(mr.web_url ? { url: mr.web_url } : {}),
    ...(mr.source_branch ? { headRef: mr.source_branch } : {}),
    ...(mr.target_branch ? { baseRef: mr.target_branch } : {}),
    ...(mr.diff_refs?.base_sha ? { baseSha: mr.diff_refs.base_sha } : {}),
    ...(projects.every((id) => id !== undefined) ? { isFork: projects[0] !== projects[1] } : {}),
    ...(mr.author ? { author: mr.author.username } : {}),
    ...(merger ? { mergedBy: merger.username } : {}),
  };
}

/** The merge request's page; GitLab always sends web_url, the fallback only names it. */
function urlOf(repo: string, mr: GitlabMergeRequest): string {
  return mr.web_url ?? `${repo}!${mr.iid}`;
}
