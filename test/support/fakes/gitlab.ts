// A fake of the GitLab REST v4 subset Ferry uses: MR notes, commit statuses, merge requests
// (read, list, open, edit, close, merge), the three calls of a revert MR, project members (inherited
// included) and note award emoji. Paths, verbs, status codes, X-Page/X-Next-Page/Link
// pagination and body shapes follow docs.gitlab.com/api. `:id` is the URL-encoded project path.
import { createHash } from "node:crypto";
import {
  FakeHttpApi,
  linkHeader,
  paginate,
  type FakeRequest,
  type FakeResponse,
  type Injection,
} from "./server.ts";

export interface FakeMergeRequest {
  iid: number;
  sha: string;
  state?: "opened" | "closed" | "locked" | "merged";
  /** Commits that `GET /repository/commits/:sha/merge_requests` associates with this MR. */
  commits?: string[];
  sourceBranch?: string;
  targetBranch?: string;
  title?: string;
  description?: string | null;
  /** diff_refs.base_sha: the merge-base GitLab diffs the MR against. */
  baseSha?: string;
  /** Another source project than the target makes it a fork. */
  sourceProjectId?: number;
  author?: string;
  mergedBy?: string;
  /** false: the project's merge checks (pipeline, approvals, conflicts) refuse to merge it. */
  mergeable?: boolean;
  mergeCommitSha?: string;
}

/** A member as `GET /projects/:id/members/all/:user_id` lists it (direct or inherited). */
export interface FakeMember {
  id: number;
  username: string;
  /** 10 Guest, 20 Reporter, 30 Developer, 40 Maintainer, 50 Owner. */
  accessLevel: number;
}

interface Note {
  id: number;
  body: string;
  system: boolean;
  /** The author's username. */
  author: string;
  created_at: string;
  updated_at: string;
}

export interface FakeGitlabStatus {
  project: string;
  sha: string;
  status: string;
  name: string;
  description: string | undefined;
  target_url: string | undefined;
}

const STATES = ["pending", "running", "success", "failed", "canceled", "skipped"];
const P = "/api/v4/projects/:id";

export class FakeGitlab extends FakeHttpApi {
  readonly token: string;
  /** The username of the token's user (GET /user); notes made through the API are theirs. */
  readonly username: string;
  readonly mergeRequests = new Map<string, FakeMergeRequest>();
  readonly statuses: FakeGitlabStatus[] = [];
  readonly branches = new Map<string, string>();
  readonly reverts: { project: string; sha: string; branch: string }[] = [];
  readonly awards: { project: string; iid: number; noteId: number; name: string }[] = [];
  readonly #members = new Map<string, FakeMember>();
  readonly #notes = new Map<string, Note[]>();
  #nextId = 5000;

  constructor(token = "glpat-fake-token-for-tests", username = "ferry-bot") {
    super({
      authorize: (request) => authorize(request, token),
      notFound: (message) => ({ status: 404, body: { error: message } }),
      routes: [
        {
          name: "currentUser",
          method: "GET",
          pattern: "/api/v4/user",
          handle: () => ({ status: 200, body: { ...userShape(this.username), state: "active" } }),
        },
        {
          name: "listNotes",
          method: "GET",
          pattern: `${P}/merge_requests/:iid/notes`,
          handle: (r) => this.#list(r),
        },
        {
          name: "createNote",
          method: "POST",
          pattern: `${P}/merge_requests/:iid/notes`,
          handle: (r) => this.#create(r),
        },
        {
          name: "updateNote",
          method: "PUT",
          pattern: `${P}/merge_requests/:iid/notes/:noteId`,
          handle: (r) => this.#update(r),
        },
        {
          name: "awardNoteEmoji",
          method: "POST",
          pattern: `${P}/merge_requests/:iid/notes/:noteId/award_emoji`,
          handle: (r) => this.#award(r),
        },
        {
          name: "memberAll",
          method: "GET",
          pattern: `${P}/members/all/:userId`,
          handle: (r) => this.#member(r),
        },
        {
          name: "createStatus",
          method: "POST",
          pattern: `${P}/statuses/:sha`,
          handle: (r) => this.#status(r),
        },
        {
          name: "getMergeRequest",
          method: "GET",
          pattern: `${P}/merge_requests/:iid`,
          handle: (r) => this.#mr(r),
        },
        {
          name: "listMergeRequests",
          method: "GET",
          pattern: `${P}/merge_requests`,
          handle: (r) => this.#listMrs(r),
        },
        {
          name: "updateMergeRequest",
          method: "PUT",
          pattern: `${P}/merge_requests/:iid`,
          handle: (r) => this.#updateMr(r),
        },
        {
          name: "acceptMergeRequest",
          method: "PUT",
          pattern: `${P}/merge_requests/:iid/merge`,
          handle: (r) => this.#acceptMr(r),
        },
        {
          name: "commitMergeRequests",
          method: "GET",
          pattern: `${P}/repository/commits/:sha/merge_requests`,
          handle: (r) => this.#commitMrs(r),
        },
        {
          name: "createBranch",
          method: "POST",
          pattern: `${P}/repository/branches`,
          handle: (r) => this.#branch(r),
        },
        {
          name: "revertCommit",
          method: "POST",
          pattern: `${P}/repository/commits/:sha/revert`,
          handle: (r) => this.#revert(r),
        },
        {
          name: "createMergeRequest",
          method: "POST",
          pattern: `${P}/merge_requests`,
          handle: (r) => this.#createMr(r),
        },
      ],
    });
    this.token = token;
    this.username = username;
  }

  static async start(token?: string, username?: string): Promise<FakeGitlab> {
    return new FakeGitlab(token, username).start();
  }

  seedMergeRequest(project: string, mr: FakeMergeRequest): void {
    this.mergeRequests.set(`${project}!${mr.iid}`, mr);
    if (!this.#notes.has(`${project}!${mr.iid}`)) this.#notes.set(`${project}!${mr.iid}`, []);
  }

  /** Notes written by `author` (the token's user unless said otherwise). */
  seedNotes(project: string, iid: number, bodies: string[], system = false, author = this.username): void {
    const thread = this.#notes.get(`${project}!${iid}`);
    if (!thread) throw new Error(`seed merge request ${project}!${iid} first`);
    for (const body of bodies) thread.push(this.#newNote(body, system, author));
  }

  /** A note written by a person (e.g. a `/ferry` command); returns its id. */
  seedUserNote(project: string, iid: number, username: string, body: string): number {
    const thread = this.#notes.get(`${project}!${iid}`);
    if (!thread) throw new Error(`seed merge request ${project}!${iid} first`);
    const note = this.#newNote(body, false, username);
    thread.push(note);
    return note.id;
  }

  /** The iids of the opened merge requests from `branch` of this project. */
  mergeRequestsOpenFrom(project: string, branch: string): number[] {
    return this.#mrsOf(project)
      .filter((mr) => (mr.state ?? "opened") === "opened" && mr.sourceBranch === branch)
      .map((mr) => mr.iid);
  }

  seedMember(project: string, member: FakeMember): void {
    this.#members.set(`${project}@${member.id}`, member);
  }

  notes(project: string, iid: number): { id: number; body: string; system: boolean; author: string }[] {
    return (this.#notes.get(`${project}!${iid}`) ?? []).map(({ id, body, system, author }) => ({
      id,
      body,
      system,
      author,
    }));
  }

  /** The notes `username` wrote (Ferry's own are the token user's). */
  notesBy(project: string, iid: number, username: string): { id: number; body: string }[] {
    return (this.#notes.get(`${project}!${iid}`) ?? [])
      .filter((n) => n.author === username)
      .map(({ id, body }) => ({ id, body }));
  }

  #newNote(body: string, system: boolean, author: string): Note {
    const now = new Date().toISOString();
    return { id: this.#nextId++, body, system, author, created_at: now, updated_at: now };
  }

  #shape(r: FakeRequest, note: Note) {
    return {
      ...note,
      type: null,
      attachment: null,
      author: userShape(note.author),
      noteable_type: "MergeRequest",
      noteable_iid: Number(r.params.iid),
      resolvable: false,
      confidential: false,
      internal: false,
    };
  }

  /** The notes of the merge request a request names (`:id`, `:iid`). */
  #threadOf(r: FakeRequest): Note[] | undefined {
    return this.#notes.get(`${r.params.id}!${r.params.iid}`);
  }

  /** The note a request names (`:noteId`) on its merge request. */
  #noteOf(r: FakeRequest): Note | undefined {
    return this.#threadOf(r)?.find((n) => String(n.id) === r.params.noteId);
  }

  #list(r: FakeRequest): FakeResponse {
    const thread = this.#threadOf(r);
    if (!thread) return notFound();
    const { slice, headers } = this.#page(r, thread);
    return { status: 200, body: slice.map((note) => this.#shape(r, note)), headers };
  }

  /** Offset pagination (20 a page by default) with GitLab's X-* and Link headers. */
  #page<T>(r: FakeRequest, items: T[]): { slice: T[]; headers: Record<string, string> } {
    const { slice, page, perPage, totalPages } = paginate(items, r.query, 20);
    const headers: Record<string, string> = {
      "x-page": String(page),
      "x-per-page": String(perPage),
      "x-total": String(items.length),
      "x-total-pages": String(totalPages),
      "x-next-page": page < totalPages ? String(page + 1) : "",
      "x-prev-page": page > 1 ? String(page - 1) : "",
      link: linkHeader(`${this.url}${r.path}`, r.query, page, totalPages),
    };
    return { slice, headers };
  }

  /** The project's merge requests, newest first (GitLab's default: created_at, desc). */
  #mrsOf(project: string): FakeMergeRequest[] {
    return [...this.mergeRequests.entries()]
      .filter(([key]) => key.startsWith(`${project}!`))
      .map(([, mr]) => mr)
      .sort((a, b) => b.iid - a.iid);
  }

  // https://docs.gitlab.com/api/merge_requests/#list-project-merge-requests: state (opened,
  // closed, locked, merged or all, the default), source_branch, target_branch, offset pages.
  #listMrs(r: FakeRequest): FakeResponse {
    const project = r.params.id ?? "";
    const state = r.query.get("state") ?? "all";
    if (!["opened", "closed", "locked", "merged", "all"].includes(state))
      return { status: 400, body: { error: "state does not have a valid value" } };
    const source = r.query.get("source_branch");
    const target = r.query.get("target_branch");
    const found = this.#mrsOf(project).filter(
      (mr) =>
        (state === "all" || (mr.state ?? "opened") === state) &&
        (source === null || (mr.sourceBranch ?? `feature-${mr.iid}`) === source) &&
        (target === null || (mr.targetBranch ?? "main") === target),
    );
    const { slice, headers } = this.#page(r, found);
    return { status: 200, body: slice.map((mr) => mrShape(project, mr)), headers };
  }

  // https://docs.gitlab.com/api/merge_requests/#update-mr: at least one attribute; state_event
  // close or reopen (a merged one stays merged); 404 for an unknown merge request.
  #updateMr(r: FakeRequest): FakeResponse {
    const mr = this.mergeRequests.get(`${r.params.id}!${r.params.iid}`);
    if (!mr) return notFound();
    const [title, description, stateEvent, target] = [
      "title",
      "description",
      "state_event",
      "target_branch",
    ].map((name) => field(r, name));
    if ([title, description, stateEvent, target].every((value) => value === undefined))
      return {
        status: 400,
        body: {
          error:
            "title, description, state_event, target_branch are missing, at least one parameter must be provided",
        },
      };
    if (stateEvent !== undefined && !["close", "reopen"].includes(stateEvent))
      return { status: 400, body: { error: "state_event does not have a valid value" } };
    if (title !== undefined) mr.title = title;
    if (description !== undefined) mr.description = description;
    if (target !== undefined) mr.targetBranch = target;
    if (stateEvent !== undefined && mr.state !== "merged")
      mr.state = stateEvent === "close" ? "closed" : "opened";
    return { status: 200, body: mrShape(r.params.id ?? "", mr) };
  }

  // https://docs.gitlab.com/api/merge_requests/#merge-a-merge-request: sha, squash,
  // should_remove_source_branch, auto_merge, merge and squash commit messages optional; 405 when
  // it cannot be merged (not opened, or `mergeable: false` for the project's merge checks), 409
  // "SHA does not match HEAD of source branch" when `sha` is not the head; 200 with the merged MR.
  #acceptMr(r: FakeRequest): FakeResponse {
    const project = r.params.id ?? "";
    const mr = this.mergeRequests.get(`${project}!${r.params.iid}`);
    if (!mr) return notFound();
    const input = (r.body ?? {}) as Record<string, unknown>;
    for (const name of ["sha", "merge_commit_message", "squash_commit_message"])
      if (input[name] !== undefined && typeof input[name] !== "string")
        return { status: 400, body: { error: `${name} is invalid` } };
    for (const name of [
      "squash",
      "should_remove_source_branch",
      "auto_merge",
      "merge_when_pipeline_succeeds",
    ])
      if (input[name] !== undefined && typeof input[name] !== "boolean")
        return { status: 400, body: { error: `${name} is invalid` } };
    if ((mr.state ?? "opened") !== "opened" || mr.mergeable === false)
      return { status: 405, body: { message: "405 Method Not Allowed" } };
    const sha = field(r, "sha");
    if (sha !== undefined && sha !== mr.sha)
      return { status: 409, body: { message: `SHA does not match HEAD of source branch: ${mr.sha}` } };
    mr.state = "merged";
    mr.mergedBy = this.username;
    mr.mergeCommitSha = createHash("sha1").update(`merge ${project}!${mr.iid}@${mr.sha}`).digest("hex");
    mr.commits = [...(mr.commits ?? []), mr.mergeCommitSha];
    return { status: 200, body: mrShape(project, mr) };
  }

  #create(r: FakeRequest): FakeResponse {
    const thread = this.#threadOf(r);
    if (!thread) return notFound();
    const body = field(r, "body");
    if (body === undefined) return { status: 400, body: { error: "body is missing" } };
    const note = this.#newNote(body, false, this.username);
    thread.push(note);
    return { status: 201, body: this.#shape(r, note) };
  }

  #update(r: FakeRequest): FakeResponse {
    const note = this.#noteOf(r);
    if (!note) return notFound();
    const body = field(r, "body");
    if (body === undefined) return { status: 400, body: { error: "body is missing" } };
    note.body = body;
    note.updated_at = new Date().toISOString();
    return { status: 200, body: this.#shape(r, note) };
  }

  #award(r: FakeRequest): FakeResponse {
    const note = this.#noteOf(r);
    if (!note) return notFound();
    const name = field(r, "name");
    if (!name) return { status: 400, body: { error: "name is missing" } };
    const award = { project: r.params.id ?? "", iid: Number(r.params.iid), noteId: note.id, name };
    // GitLab refuses the same emoji twice from one user.
    if (this.awards.some((a) => JSON.stringify(a) === JSON.stringify(award)))
      return { status: 404, body: { message: "404 Award Emoji Name has already been taken" } };
    this.awards.push(award);
    const id = this.awards.length + 70_000;
    return {
      status: 201,
      body: {
        id,
        name,
        user: { id: 1, username: "ferry-bot" },
        awardable_id: note.id,
        awardable_type: "Note",
        created_at: new Date().toISOString(),
      },
    };
  }

  // Members of the project and of its ancestor groups; a user who is neither is a 404.
  #member(r: FakeRequest): FakeResponse {
    const member = this.#members.get(`${r.params.id}@${r.params.userId}`);
    if (!member) return notFound();
    return {
      status: 200,
      body: {
        id: member.id,
        username: member.username,
        name: member.username,
        state: "active",
        access_level: member.accessLevel,
        expires_at: null,
      },
    };
  }

  #status(r: FakeRequest): FakeResponse {
    const state = field(r, "state");
    if (!state || !STATES.includes(state))
      return { status: 400, body: { error: "state does not have a valid value" } };
    const name = field(r, "name") ?? field(r, "context") ?? "default";
    const project = r.params.id ?? "";
    const sha = r.params.sha ?? "";
    const last = this.statuses.findLast((s) => s.project === project && s.sha === sha && s.name === name);
    // GitLab refuses to move a status to the state it already has (a state-machine transition).
    if (last && last.status === state && (state === "pending" || state === "running")) {
      const via = state === "pending" ? "enqueue" : "run";
      return {
        status: 400,
        body: {
          message: `Cannot transition status via :${via} from :${state} (Reason(s): Status cannot transition via "${via}".)`,
        },
      };
    }
    const status = {
      project,
      sha,
      status: state,
      name,
      description: field(r, "description"),
      target_url: field(r, "target_url"),
    };
    this.statuses.push(status);
    const { project: _p, ...shown } = status;
    return {
      status: 201,
      body: {
        id: this.statuses.length,
        ref: null,
        allow_failure: false,
        author: { username: "ferry-bot" },
        ...shown,
      },
    };
  }

  #mr(r: FakeRequest): FakeResponse {
    const mr = this.mergeRequests.get(`${r.params.id}!${r.params.iid}`);
    return mr ? { status: 200, body: mrShape(r.params.id ?? "", mr) } : notFound();
  }

  #commitMrs(r: FakeRequest): FakeResponse {
    const project = r.params.id ?? "";
    const found = [...this.mergeRequests.entries()]
      .filter(
        ([key, mr]) =>
          key.startsWith(`${project}!`) && [mr.sha, ...(mr.commits ?? [])].includes(r.params.sha ?? ""),
      )
      .map(([, mr]) => mrShape(project, mr));
    return { status: 200, body: found };
  }

  #branch(r: FakeRequest): FakeResponse {
    const branch = field(r, "branch");
    const ref = field(r, "ref");
    if (!branch || !ref) return { status: 400, body: { error: "branch is missing, ref is missing" } };
    const key = `${r.params.id}:${branch}`;
    if (this.branches.has(key)) return { status: 400, body: { message: "Branch already exists" } };
    this.branches.set(key, ref);
    return {
      status: 201,
      body: { name: branch, merged: false, protected: false, commit: { id: "0".repeat(40) } },
    };
  }

  #revert(r: FakeRequest): FakeResponse {
    const branch = field(r, "branch");
    if (!branch || !this.branches.has(`${r.params.id}:${branch}`))
      return { status: 404, body: { message: "404 Branch Not Found" } };
    this.reverts.push({ project: r.params.id ?? "", sha: r.params.sha ?? "", branch });
    const id = `${this.reverts.length}`.padStart(40, "r");
    return {
      status: 201,
      body: { id, short_id: id.slice(0, 8), title: `Revert "${r.params.sha}"`, parent_ids: [] },
    };
  }

  #createMr(r: FakeRequest): FakeResponse {
    const project = r.params.id ?? "";
    const source = field(r, "source_branch");
    const targetBranch = field(r, "target_branch");
    const title = field(r, "title");
    if (!source || !targetBranch || !title)
      return { status: 400, body: { error: "source_branch, target_branch, title are missing" } };
    // GitLab's validation errors come back as a list of messages under `message`.
    if (source === targetBranch)
      return { status: 422, body: { message: ["You can't use same project/branch for source and target"] } };
    const open = this.#mrsOf(project).find(
      (mr) =>
        (mr.state ?? "opened") === "opened" &&
        (mr.sourceBranch ?? `feature-${mr.iid}`) === source &&
        (mr.targetBranch ?? "main") === targetBranch,
    );
    if (open)
      return {
        status: 409,
        body: { message: [`Another open merge request already exists for this source branch: !${open.iid}`] },
      };
    const iid = Math.max(0, ...[...this.mergeRequests.values()].map((mr) => mr.iid)) + 1;
    const mr: FakeMergeRequest = {
      iid,
      sha: "0".repeat(40),
      sourceBranch: source,
      targetBranch,
      title,
      description: field(r, "description") ?? null,
      author: this.username,
    };
    this.seedMergeRequest(project, mr);
    return { status: 201, body: mrShape(project, mr) };
  }
}

function mrShape(project: string, mr: FakeMergeRequest) {
  const user = (username: string | undefined) => (username ? { id: 7, username, name: username } : null);
  return {
    id: mr.iid + 100_000,
    iid: mr.iid,
    title: mr.title ?? `MR ${mr.iid}`,
    description: mr.description ?? null,
    state: mr.state ?? "opened",
    sha: mr.sha,
    source_branch: mr.sourceBranch ?? `feature-${mr.iid}`,
    target_branch: mr.targetBranch ?? "main",
    source_project_id: mr.sourceProjectId ?? 14,
    target_project_id: 14,
    web_url: `https://gitlab.test/${project}/-/merge_requests/${mr.iid}`,
    author: user(mr.author),
    merge_user: user(mr.mergedBy),
    merged_by: user(mr.mergedBy),
    diff_refs: mr.baseSha ? { base_sha: mr.baseSha, head_sha: mr.sha, start_sha: mr.baseSha } : null,
    merge_commit_sha: mr.mergeCommitSha ?? null,
  };
}

/** A string field from the JSON body or, as GitLab also accepts, the query string. */
function field(r: FakeRequest, name: string): string | undefined {
  const value = (r.body as Record<string, unknown> | undefined)?.[name] ?? r.query.get(name);
  return typeof value === "string" ? value : undefined;
}

function authorize(request: FakeRequest, token: string): FakeResponse | undefined {
  const privateToken = request.headers["private-token"];
  const bearer = request.headers.authorization?.replace(/^Bearer /i, "");
  if (privateToken === token || bearer === token) return undefined;
  return { status: 401, body: { message: "401 Unauthorized" } };
}

function notFound(): FakeResponse {
  return { status: 404, body: { message: "404 Not found" } };
}

/** GitLab's rate limit answer: 429, Retry-After, RateLimit-* headers, plain-text body. */
export function rateLimited(retryAfterSeconds: number): Injection {
  return {
    status: 429,
    headers: {
      "retry-after": String(retryAfterSeconds),
      "ratelimit-limit": "600",
      "ratelimit-remaining": "0",
    },
    body: "Retry later\n",
  };
}

export function serverError(): Injection {
  return { status: 500, body: { message: "500 Internal Server Error" } };
}

/** The basic user object GitLab embeds as a note's author (https://docs.gitlab.com/api/notes/). */
function userShape(username: string) {
  return {
    id: username.length,
    username,
    name: username,
    state: "active",
    avatar_url: null,
    web_url: `https://gitlab.test/${username}`,
  };
}
