// A fake of the GitHub REST subset Ferry uses: issue comments, commit statuses, pulls (read,
// list, open, edit, close, merge), check runs, collaborator permissions, comment reactions and, with
// `app`, GitHub App authentication (github-app.ts).
// Paths, verbs, status codes, Link pagination and body shapes follow docs.github.com/en/rest.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { FakeAppAuthority, type FakeAppOptions } from "./github-app.ts";
import {
  FakeHttpApi,
  linkHeader,
  paginate,
  type FakeRequest,
  type FakeResponse,
  type Injection,
} from "./server.ts";

export interface FakePull {
  number: number;
  headSha: string;
  state?: "open" | "closed";
  mergedAt?: string | null;
  /** Commits that `GET /commits/{sha}/pulls` associates with this pull (head and merge commit). */
  commits?: string[];
  headRef?: string;
  baseRef?: string;
  baseSha?: string;
  /** The head's repository (owner/name); another one than the base makes it a fork. */
  headRepo?: string;
  author?: string;
  mergedBy?: string;
  title?: string;
  body?: string | null;
  /** false: the repository's rules (branch protection, merge settings) refuse to merge it. */
  mergeable?: boolean;
}

/** A repository role (docs.github.com/en/rest/collaborators/collaborators). */
export type FakeRole = "read" | "triage" | "write" | "maintain" | "admin";

// The legacy `permission` field maps maintain to write and triage to read.
const legacyPermission: Record<FakeRole, string> = {
  read: "read",
  triage: "read",
  write: "write",
  maintain: "write",
  admin: "admin",
};

const REACTIONS = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"];

interface Comment {
  id: number;
  body: string;
  /** The author's login. */
  user: string;
  created_at: string;
  updated_at: string;
}

export interface FakeStatus {
  repo: string;
  sha: string;
  state: string;
  context: string;
  description: string | undefined;
  target_url: string | undefined;
}

const STATES = ["error", "failure", "pending", "success"];

export interface FakeAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: string;
  message: string;
  title?: string;
}

/** A check run as GitHub keeps it, with every status it went through. */
export interface FakeCheckRun {
  id: number;
  repo: string;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  details_url: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: FakeAnnotation[];
  actions: { label: string; description: string; identifier: string }[];
  /** The installation whose token created it (check runs belong to an App). */
  installation: number | undefined;
  history: { status: string; conclusion: string | null }[];
}

const CHECK_STATUSES = ["queued", "in_progress", "completed", "waiting", "requested", "pending"];
const CONCLUSIONS = [
  "action_required",
  "cancelled",
  "failure",
  "neutral",
  "success",
  "skipped",
  "stale",
  "timed_out",
];
const ANNOTATION_LEVELS = ["notice", "warning", "failure"];
const ANNOTATION_FIELDS = [
  "path",
  "start_line",
  "end_line",
  "start_column",
  "end_column",
  "annotation_level",
  "message",
  "title",
  "raw_details",
];
const MAX_ANNOTATIONS_PER_REQUEST = 50;
const MAX_OUTPUT_CHARS = 65_535;

export interface FakeGithubOptions {
  token?: string;
  /** The login of the token's user (GET /user); default "ferry-bot". */
  login?: string;
  /** Authenticate as a GitHub App (JWT, installation tokens) instead of with `token`. */
  app?: FakeAppOptions;
}

export class FakeGithub extends FakeHttpApi {
  readonly token: string;
  readonly app: FakeAppAuthority | undefined;
  /** Who comments made through the API are by: the token's user, or the App's `<slug>[bot]`. */
  readonly login: string;
  readonly pulls = new Map<string, FakePull>();
  readonly statuses: FakeStatus[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  readonly reactions: { repo: string; commentId: number; content: string; login: string }[] = [];
  readonly #collaborators = new Map<string, FakeRole>();
  #quota = { limit: 5000, remaining: 5000, resetAt: new Date(Date.now() + 3_600_000) };
  readonly #comments = new Map<string, Comment[]>();
  /** owner/name → a real git repository this fake hosts (hostRepository). */
  readonly #hosted = new Map<string, string>();
  #nextId = 1000;

  constructor(options: string | FakeGithubOptions = {}) {
    const {
      token = "ghp_fake_token_for_tests",
      app: appOptions,
      login = "ferry-bot",
    } = typeof options === "string" ? { token: options } : options;
    const app = appOptions ? new FakeAppAuthority(appOptions) : undefined;
    super({
      authorize: (request) => (app ? app.authorize(request) : authorize(request, token)),
      notFound: (message) => notFound(message),
      routes: [
        {
          name: "getAuthenticatedUser",
          method: "GET",
          pattern: "/user",
          handle: () => ({ status: 200, body: userShape(this.login, 1) }),
        },
        {
          name: "getApp",
          method: "GET",
          pattern: "/app",
          handle: () => this.#getApp(),
        },
        {
          name: "getRepoInstallation",
          method: "GET",
          pattern: "/repos/:owner/:repo/installation",
          handle: (r) => this.#repoInstallation(r),
        },
        {
          name: "createInstallationToken",
          method: "POST",
          pattern: "/app/installations/:id/access_tokens",
          handle: (r) => this.#installationToken(r),
        },
        {
          name: "getRateLimit",
          method: "GET",
          pattern: "/rate_limit",
          handle: () => this.#rateLimit(),
        },
        {
          name: "createCheckRun",
          method: "POST",
          pattern: "/repos/:owner/:repo/check-runs",
          handle: (r) => this.#createCheckRun(r),
        },
        {
          name: "updateCheckRun",
          method: "PATCH",
          pattern: "/repos/:owner/:repo/check-runs/:id",
          handle: (r) => this.#updateCheckRun(r),
        },
        {
          name: "listComments",
          method: "GET",
          pattern: "/repos/:owner/:repo/issues/:number/comments",
          handle: (r) => this.#list(r),
        },
        {
          name: "createComment",
          method: "POST",
          pattern: "/repos/:owner/:repo/issues/:number/comments",
          handle: (r) => this.#create(r),
        },
        {
          name: "updateComment",
          method: "PATCH",
          pattern: "/repos/:owner/:repo/issues/comments/:id",
          handle: (r) => this.#update(r),
        },
        {
          name: "createStatus",
          method: "POST",
          pattern: "/repos/:owner/:repo/statuses/:sha",
          handle: (r) => this.#status(r),
        },
        {
          name: "getPull",
          method: "GET",
          pattern: "/repos/:owner/:repo/pulls/:number",
          handle: (r) => this.#pull(r),
        },
        {
          name: "listPulls",
          method: "GET",
          pattern: "/repos/:owner/:repo/pulls",
          handle: (r) => this.#listPulls(r),
        },
        {
          name: "createPull",
          method: "POST",
          pattern: "/repos/:owner/:repo/pulls",
          handle: (r) => this.#createPull(r),
        },
        {
          name: "updatePull",
          method: "PATCH",
          pattern: "/repos/:owner/:repo/pulls/:number",
          handle: (r) => this.#updatePull(r),
        },
        {
          name: "mergePull",
          method: "PUT",
          pattern: "/repos/:owner/:repo/pulls/:number/merge",
          handle: (r) => this.#mergePull(r),
        },
        {
          name: "collaboratorPermission",
          method: "GET",
          pattern: "/repos/:owner/:repo/collaborators/:username/permission",
          handle: (r) => this.#permission(r),
        },
        {
          name: "createReaction",
          method: "POST",
          pattern: "/repos/:owner/:repo/issues/comments/:id/reactions",
          handle: (r) => this.#react(r),
        },
        {
          name: "commitPulls",
          method: "GET",
          pattern: "/repos/:owner/:repo/commits/:sha/pulls",
          handle: (r) => this.#commitPulls(r),
        },
      ],
    });
    this.token = token;
    this.app = app;
    this.login = app ? `${app.slug}[bot]` : login;
  }

  static async start(options?: string | FakeGithubOptions): Promise<FakeGithub> {
    return new FakeGithub(options).start();
  }

  /** Every call refused for its credentials (App mode); a test expects none. */
  assertNoRefused(): void {
    if (this.app && this.app.refused.length > 0)
      throw new Error(`calls refused by the fake: ${this.app.refused.join("; ")}`);
  }

  checkRunsOf(repo: string): FakeCheckRun[] {
    return this.checkRuns.filter((run) => run.repo === repo);
  }

  /** The installation whose token sent `call`'s request (App mode), from the recorded header. */
  installationOfCall(call: { credential: string }): number | undefined {
    return this.app?.installationOfToken(call.credential);
  }

  /**
   * Every answer from now on reports this quota, as GitHub's x-ratelimit-* headers do
   * (docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#checking-the-status-of-your-rate-limit).
   */
  setRateLimit(quota: { remaining: number; limit: number; resetAt: Date }): void {
    this.#quota = quota;
    this.answerHeaders({
      "x-ratelimit-limit": String(quota.limit),
      "x-ratelimit-remaining": String(quota.remaining),
      "x-ratelimit-used": String(quota.limit - quota.remaining),
      "x-ratelimit-reset": String(Math.floor(quota.resetAt.getTime() / 1000)),
      "x-ratelimit-resource": "core",
    });
  }

  // https://docs.github.com/en/rest/rate-limit/rate-limit: the same numbers as the headers.
  #rateLimit(): FakeResponse {
    const quota = this.#quota;
    const core = {
      limit: quota.limit,
      remaining: quota.remaining,
      used: quota.limit - quota.remaining,
      reset: Math.floor(quota.resetAt.getTime() / 1000),
    };
    return { status: 200, body: { resources: { core }, rate: core } };
  }

  /** A completed run an earlier job of the App left (e.g. a failed deploy with its buttons). */
  seedCheckRun(
    repo: string,
    run: Pick<FakeCheckRun, "name" | "head_sha" | "external_id" | "conclusion" | "actions"> & {
      installation: number;
    },
  ): FakeCheckRun {
    const seeded: FakeCheckRun = {
      id: this.#nextId++,
      repo,
      status: "completed",
      details_url: null,
      output: { title: "Deploy failed", summary: "seeded", text: null },
      annotations: [],
      history: [{ status: "completed", conclusion: run.conclusion }],
      ...run,
    };
    this.checkRuns.push(seeded);
    return seeded;
  }

  /**
   * The pulls of `repo` report the head their branch has in this real git repository, as GitHub
   * does for a repository it hosts: a push to the branch moves the pull's `head.sha`.
   */
  hostRepository(repo: string, dir: string): void {
    this.#hosted.set(repo, dir);
  }

  /** The pull as GitHub would show it now: with a hosted repository, head.sha is its branch's head. */
  #live(repo: string, pull: FakePull): FakePull {
    const dir = this.#hosted.get(repo);
    if (!dir || !pull.headRef) return pull;
    try {
      const sha = execFileSync(
        "git",
        ["rev-parse", "--verify", "--quiet", `refs/heads/${pull.headRef}^{commit}`],
        {
          cwd: dir,
          encoding: "utf8",
        },
      ).trim();
      return { ...pull, headSha: sha };
    } catch {
      return pull; // the branch is gone: GitHub keeps the last head it saw
    }
  }

  seedPull(repo: string, pull: FakePull): void {
    this.pulls.set(`${repo}#${pull.number}`, pull);
    if (!this.#comments.has(`${repo}#${pull.number}`)) this.#comments.set(`${repo}#${pull.number}`, []);
  }

  /** Comments written by `author` (Ferry's own login unless said otherwise). */
  seedComments(repo: string, number: number, bodies: string[], author = this.login): void {
    const list = this.#thread(repo, number);
    if (!list) throw new Error(`seed pull ${repo}#${number} first`);
    for (const body of bodies) list.push(this.#newComment(body, author));
  }

  comments(repo: string, number: number): { id: number; body: string; author: string }[] {
    return (this.#thread(repo, number) ?? []).map(({ id, body, user }) => ({ id, body, author: user }));
  }

  /** A comment written by `login` (a person's, e.g. a `/ferry` command); returns its id. */
  seedUserComment(repo: string, number: number, login: string, body: string): number {
    const list = this.#thread(repo, number);
    if (!list) throw new Error(`seed pull ${repo}#${number} first`);
    const comment = this.#newComment(body, login);
    list.push(comment);
    return comment.id;
  }

  /** The numbers of the open pulls whose head is `branch` of this repository. */
  pullsOpenFrom(repo: string, branch: string): number[] {
    const owner = repo.split("/")[0] ?? "";
    return this.#pullsOf(repo)
      .filter(
        (pull) => (pull.state ?? "open") === "open" && this.#headOf(repo, pull) === `${owner}:${branch}`,
      )
      .map((pull) => pull.number);
  }

  seedCollaborator(repo: string, login: string, role: FakeRole): void {
    this.#collaborators.set(`${repo}@${login}`.toLowerCase(), role);
  }

  /** The comments `login` wrote (Ferry's own are "ferry-bot"'s). */
  commentsBy(repo: string, number: number, login: string): { id: number; body: string }[] {
    return (this.#thread(repo, number) ?? [])
      .filter((c) => c.user === login)
      .map(({ id, body }) => ({ id, body }));
  }

  #thread(repo: string, number: number | string): Comment[] | undefined {
    return this.#comments.get(`${repo}#${number}`);
  }

  #newComment(body: string, user: string): Comment {
    const now = new Date().toISOString();
    return { id: this.#nextId++, body, user, created_at: now, updated_at: now };
  }

  #shape(r: FakeRequest, comment: Comment) {
    const { owner = "", repo = "" } = r.params;
    return {
      ...comment,
      node_id: `IC_${comment.id}`,
      url: `${this.url}/repos/${owner}/${repo}/issues/comments/${comment.id}`,
      html_url: `https://github.test/${owner}/${repo}/pull/0#issuecomment-${comment.id}`,
      user: userShape(comment.user, comment.user === this.login ? 1 : 2),
      author_association: "NONE",
    };
  }

  #list(r: FakeRequest): FakeResponse {
    const thread = this.#thread(`${r.params.owner}/${r.params.repo}`, r.params.number ?? "");
    if (!thread) return notFound();
    const { slice, page, totalPages } = paginate(thread, r.query, 30);
    const headers =
      totalPages > 1 ? { link: linkHeader(`${this.url}${r.path}`, r.query, page, totalPages) } : undefined;
    return { status: 200, body: slice.map((c) => this.#shape(r, c)), ...(headers ? { headers } : {}) };
  }

  #create(r: FakeRequest): FakeResponse {
    const thread = this.#thread(`${r.params.owner}/${r.params.repo}`, r.params.number ?? "");
    if (!thread) return notFound();
    const body = (r.body as { body?: unknown } | undefined)?.body;
    if (typeof body !== "string") return invalid("body", "missing_field");
    const comment = this.#newComment(body, this.login);
    thread.push(comment);
    return {
      status: 201,
      body: this.#shape(r, comment),
      headers: { location: `${this.url}/repos/x/issues/comments/${comment.id}` },
    };
  }

  #findComment(r: FakeRequest): Comment | undefined {
    const repo = `${r.params.owner}/${r.params.repo}`;
    return [...this.#comments.entries()]
      .filter(([key]) => key.startsWith(`${repo}#`))
      .flatMap(([, list]) => list)
      .find((c) => String(c.id) === r.params.id);
  }

  #update(r: FakeRequest): FakeResponse {
    const comment = this.#findComment(r);
    if (!comment) return notFound();
    const body = (r.body as { body?: unknown } | undefined)?.body;
    if (typeof body !== "string") return invalid("body", "missing_field");
    comment.body = body;
    comment.updated_at = new Date().toISOString();
    return { status: 200, body: this.#shape(r, comment) };
  }

  #status(r: FakeRequest): FakeResponse {
    const input = (r.body ?? {}) as {
      state?: unknown;
      context?: unknown;
      description?: unknown;
      target_url?: unknown;
    };
    if (typeof input.state !== "string" || !STATES.includes(input.state)) return invalid("state", "invalid");
    if (typeof input.description === "string" && input.description.length > 140)
      return invalid("description", "custom");
    const status: FakeStatus = {
      repo: `${r.params.owner}/${r.params.repo}`,
      sha: r.params.sha ?? "",
      state: input.state,
      context: typeof input.context === "string" ? input.context : "default",
      description: typeof input.description === "string" ? input.description : undefined,
      target_url: typeof input.target_url === "string" ? input.target_url : undefined,
    };
    this.statuses.push(status);
    const { repo: _repo, ...shown } = status;
    return {
      status: 201,
      body: {
        id: this.statuses.length,
        url: `${this.url}${r.path}`,
        ...shown,
        creator: { login: "ferry-bot" },
      },
    };
  }

  #getApp(): FakeResponse {
    const app = this.app;
    if (!app) return notFound();
    return {
      status: 200,
      body: {
        id: app.id,
        slug: app.slug,
        node_id: `A_${app.id}`,
        name: app.slug,
        owner: { login: "ferry-org", id: 1, type: "Organization" },
        permissions: { checks: "write", contents: "read" },
        events: ["push", "pull_request", "check_run"],
      },
    };
  }

  #repoInstallation(r: FakeRequest): FakeResponse {
    const installation = this.app?.installationFor(`${r.params.owner}/${r.params.repo}`);
    if (!this.app || !installation) return notFound();
    return {
      status: 200,
      body: {
        id: installation.id,
        account: { login: installation.account, id: installation.id * 10, type: "Organization" },
        app_id: this.app.id,
        app_slug: this.app.slug,
        target_type: "Organization",
        repository_selection: "all",
        permissions: { checks: "write", contents: "read", pull_requests: "write" },
        events: ["push", "pull_request"],
      },
    };
  }

  #installationToken(r: FakeRequest): FakeResponse {
    const issued = this.app?.issueToken(Number(r.params.id));
    if (!issued) return notFound();
    return {
      status: 201,
      body: {
        token: issued.token,
        expires_at: new Date(issued.expiresAt).toISOString(),
        permissions: { checks: "write", contents: "read", pull_requests: "write" },
        repository_selection: "all",
      },
    };
  }

  #createCheckRun(r: FakeRequest): FakeResponse {
    const token = (r.headers.authorization ?? "").split(" ")[1] ?? "";
    const installation = this.app?.installationOfToken(token);
    // https://docs.github.com/en/rest/checks/runs#create-a-check-run: "OAuth apps and
    // authenticated users are not able to create a check suite" (nor runs).
    if (installation === undefined)
      return { status: 403, body: { message: "You must authenticate via a GitHub App.", status: "403" } };
    const input = (r.body ?? {}) as Record<string, unknown>;
    if (typeof input.name !== "string" || input.name === "") return invalid("name", "missing_field");
    if (typeof input.head_sha !== "string" || input.head_sha === "")
      return invalid("head_sha", "missing_field");
    const run: FakeCheckRun = {
      id: this.#nextId++,
      repo: `${r.params.owner}/${r.params.repo}`,
      name: input.name,
      head_sha: input.head_sha,
      status: "queued",
      conclusion: null,
      external_id: null,
      details_url: null,
      output: { title: null, summary: null, text: null },
      annotations: [],
      actions: [],
      installation,
      history: [],
    };
    const problem = this.#checked(r, applyCheckInput(run, input));
    if (problem) return problem;
    this.checkRuns.push(run);
    return { status: 201, body: this.#checkShape(run) };
  }

  #updateCheckRun(r: FakeRequest): FakeResponse {
    const repo = `${r.params.owner}/${r.params.repo}`;
    const run = this.checkRuns.find(
      (candidate) => String(candidate.id) === r.params.id && candidate.repo === repo,
    );
    if (!run) return notFound();
    const problem = this.#checked(r, applyCheckInput(run, (r.body ?? {}) as Record<string, unknown>));
    return problem ?? { status: 200, body: this.#checkShape(run) };
  }

  /** A body the Checks API refuses is a bug in the client: recorded, so assertNoUnexpected fails. */
  #checked(r: FakeRequest, problem: FakeResponse | undefined): FakeResponse | undefined {
    if (problem) this.unexpected.push(`${r.method} ${r.path}: 422 ${JSON.stringify(problem.body)}`);
    return problem;
  }

  #checkShape(run: FakeCheckRun) {
    return {
      id: run.id,
      node_id: `CR_${run.id}`,
      head_sha: run.head_sha,
      external_id: run.external_id,
      url: `${this.url}/repos/${run.repo}/check-runs/${run.id}`,
      html_url: `https://github.test/${run.repo}/runs/${run.id}`,
      details_url: run.details_url,
      status: run.status,
      conclusion: run.conclusion,
      name: run.name,
      output: { ...run.output, annotations_count: run.annotations.length },
      app: { id: this.app?.id ?? 0, slug: this.app?.slug ?? "" },
      pull_requests: [],
    };
  }

  #pull(r: FakeRequest): FakeResponse {
    const pull = this.pulls.get(`${r.params.owner}/${r.params.repo}#${r.params.number}`);
    const repo = `${r.params.owner}/${r.params.repo}`;
    return pull ? { status: 200, body: pullShape(repo, this.#live(repo, pull)) } : notFound();
  }

  /** The pulls of the request's repository, newest first (GitHub's default sort: created, desc). */
  #pullsOf(repo: string): FakePull[] {
    return [...this.pulls.entries()]
      .filter(([key]) => key.startsWith(`${repo}#`))
      .map(([, pull]) => pull)
      .sort((a, b) => b.number - a.number);
  }

  /** `owner:branch`, as the `head` filter and a cross-repository head name a pull's head. */
  #headOf(repo: string, pull: FakePull): string {
    const owner = (pull.headRepo ?? repo).split("/")[0] ?? "";
    return `${owner}:${pull.headRef ?? `feature-${pull.number}`}`;
  }

  // https://docs.github.com/en/rest/pulls/pulls#list-pull-requests: state open (default), closed
  // or all; head as `user:ref-name`; base; per_page (30, at most 100) with Link pagination.
  #listPulls(r: FakeRequest): FakeResponse {
    const repo = `${r.params.owner}/${r.params.repo}`;
    const state = r.query.get("state") ?? "open";
    if (!["open", "closed", "all"].includes(state)) return invalid("state", "invalid");
    const head = r.query.get("head");
    // GitHub does not filter by a head without its `user:` part: a client bug, so it is recorded.
    if (head !== null && !head.includes(":"))
      this.unexpected.push(`GET ${r.path}: head=${head} without the owner filters nothing`);
    const base = r.query.get("base");
    const found = this.#pullsOf(repo).filter(
      (pull) =>
        (state === "all" || (pull.state ?? "open") === state) &&
        (head === null || !head.includes(":") || this.#headOf(repo, pull) === head) &&
        (base === null || (pull.baseRef ?? "main") === base),
    );
    const { slice, page, totalPages } = paginate(found, r.query, 30);
    const headers =
      totalPages > 1 ? { link: linkHeader(`${this.url}${r.path}`, r.query, page, totalPages) } : undefined;
    return {
      status: 200,
      body: slice.map((pull) => pullShape(repo, this.#live(repo, pull))),
      ...(headers ? { headers } : {}),
    };
  }

  // https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request: title, head and base
  // required; a second open pull for the same head and base is a 422 that says so.
  #createPull(r: FakeRequest): FakeResponse {
    const repo = `${r.params.owner}/${r.params.repo}`;
    const input = (r.body ?? {}) as Record<string, unknown>;
    for (const name of ["title", "head", "base"])
      if (typeof input[name] !== "string" || input[name] === "") return invalid(name, "missing_field");
    if (input.body !== undefined && input.body !== null && typeof input.body !== "string")
      return invalid("body", "invalid");
    const [title, base] = [input.title as string, input.base as string];
    const named = input.head as string;
    const head = named.includes(":") ? named : `${r.params.owner}:${named}`;
    const [headOwner = "", headRef = ""] = head.split(/:(.*)/s);
    const duplicate = this.#pullsOf(repo).some(
      (pull) =>
        (pull.state ?? "open") === "open" &&
        this.#headOf(repo, pull) === head &&
        (pull.baseRef ?? "main") === base,
    );
    if (duplicate)
      return {
        status: 422,
        body: {
          message: "Validation Failed",
          errors: [
            {
              resource: "PullRequest",
              code: "custom",
              message: `A pull request already exists for ${head}.`,
            },
          ],
          documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
          status: "422",
        },
      };
    const number = Math.max(0, ...this.#pullsOf(repo).map((pull) => pull.number)) + 1;
    const pull: FakePull = {
      number,
      headSha: "0".repeat(40),
      state: "open",
      headRef,
      headRepo: `${headOwner}/${r.params.repo}`,
      baseRef: base,
      author: this.login,
      title,
      body: typeof input.body === "string" ? input.body : null,
    };
    this.seedPull(repo, pull);
    return {
      status: 201,
      body: pullShape(repo, this.#live(repo, pull)),
      headers: { location: `${this.url}/repos/${repo}/pulls/${number}` },
    };
  }

  // https://docs.github.com/en/rest/pulls/pulls#update-a-pull-request: title, body, state
  // (open or closed), base; 404 for an unknown pull.
  #updatePull(r: FakeRequest): FakeResponse {
    const repo = `${r.params.owner}/${r.params.repo}`;
    const pull = this.pulls.get(`${repo}#${r.params.number}`);
    if (!pull) return notFound();
    const input = (r.body ?? {}) as Record<string, unknown>;
    if (input.state !== undefined && !["open", "closed"].includes(input.state as string))
      return invalid("state", "invalid");
    for (const name of ["title", "base"])
      if (input[name] !== undefined && typeof input[name] !== "string") return invalid(name, "invalid");
    if (input.body !== undefined && input.body !== null && typeof input.body !== "string")
      return invalid("body", "invalid");
    if (typeof input.title === "string") pull.title = input.title;
    if (input.body !== undefined) pull.body = input.body;
    if (typeof input.base === "string") pull.baseRef = input.base;
    if (input.state !== undefined && !pull.mergedAt) pull.state = input.state as "open" | "closed";
    return { status: 200, body: pullShape(repo, this.#live(repo, pull)) };
  }

  // https://docs.github.com/en/rest/pulls/pulls#merge-a-pull-request: commit_title,
  // commit_message, sha and merge_method (merge, squash or rebase) optional; 405 when the pull
  // cannot be merged (closed, merged, or `mergeable: false` for the repository's rules), 409 when
  // `sha` is not the head any more; 200 with the merge commit.
  #mergePull(r: FakeRequest): FakeResponse {
    const repo = `${r.params.owner}/${r.params.repo}`;
    const pull = this.pulls.get(`${repo}#${r.params.number}`);
    if (!pull) return notFound();
    const input = (r.body ?? {}) as Record<string, unknown>;
    for (const name of ["commit_title", "commit_message", "sha"])
      if (input[name] !== undefined && typeof input[name] !== "string") return invalid(name, "invalid");
    if (
      input.merge_method !== undefined &&
      !["merge", "squash", "rebase"].includes(input.merge_method as string)
    )
      return invalid("merge_method", "invalid");
    const refused = (status: number, message: string): FakeResponse => ({
      status,
      body: {
        message,
        documentation_url: "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request",
        status: String(status),
      },
    });
    if ((pull.state ?? "open") !== "open" || pull.mergedAt || pull.mergeable === false)
      return refused(405, "Pull Request is not mergeable");
    if (input.sha !== undefined && input.sha !== this.#live(repo, pull).headSha)
      return refused(409, "Head branch was modified. Review and try the merge again.");
    const sha = createHash("sha1").update(`merge ${repo}#${pull.number}@${pull.headSha}`).digest("hex");
    Object.assign(pull, {
      state: "closed",
      mergedAt: new Date().toISOString(),
      mergedBy: this.login,
      commits: [...(pull.commits ?? []), sha],
    });
    return { status: 200, body: { sha, merged: true, message: "Pull Request successfully merged" } };
  }

  // 200 with the role for a collaborator; an unknown user is GitHub's documented 404.
  #permission(r: FakeRequest): FakeResponse {
    const repo = `${r.params.owner}/${r.params.repo}`;
    const login = r.params.username ?? "";
    const role = this.#collaborators.get(`${repo}@${login}`.toLowerCase());
    if (!role) return notFound();
    return {
      status: 200,
      body: {
        permission: legacyPermission[role],
        role_name: role,
        user: { login, id: 7, type: "User", role_name: role },
      },
    };
  }

  // 201 for a new reaction, 200 when this user already reacted with this content.
  #react(r: FakeRequest): FakeResponse {
    const comment = this.#findComment(r);
    if (!comment) return notFound();
    const content = (r.body as { content?: unknown } | undefined)?.content;
    if (typeof content !== "string" || !REACTIONS.includes(content)) return invalid("content", "invalid");
    const repo = `${r.params.owner}/${r.params.repo}`;
    const existing = this.reactions.findIndex(
      (x) => x.repo === repo && x.commentId === comment.id && x.content === content,
    );
    if (existing < 0) this.reactions.push({ repo, commentId: comment.id, content, login: "ferry-bot" });
    const id = (existing < 0 ? this.reactions.length : existing + 1) + 90_000;
    return {
      status: existing < 0 ? 201 : 200,
      body: {
        id,
        node_id: `REA_${id}`,
        user: { login: "ferry-bot" },
        content,
        created_at: new Date().toISOString(),
      },
    };
  }

  #commitPulls(r: FakeRequest): FakeResponse {
    const repo = `${r.params.owner}/${r.params.repo}`;
    const found = [...this.pulls.entries()]
      .filter(([key]) => key.startsWith(`${repo}#`))
      .map(([, pull]) => this.#live(repo, pull))
      .filter((pull) => [pull.headSha, ...(pull.commits ?? [])].includes(r.params.sha ?? ""))
      .map((pull) => pullShape(repo, pull));
    return { status: 200, body: found };
  }
}

/**
 * Validates and applies a create/update body the way the Checks API does: a completed run needs a
 * conclusion, output needs title and summary (each ≤ 65,535 characters), at most 50 annotations
 * per request (appended to earlier ones), at most 3 actions.
 */
function applyCheckInput(run: FakeCheckRun, input: Record<string, unknown>): FakeResponse | undefined {
  const status = input.status ?? (input.conclusion === undefined ? undefined : "completed");
  if (status !== undefined && (typeof status !== "string" || !CHECK_STATUSES.includes(status)))
    return invalid("status", "invalid");
  if (
    input.conclusion !== undefined &&
    (typeof input.conclusion !== "string" || !CONCLUSIONS.includes(input.conclusion))
  )
    return invalid("conclusion", "invalid");
  if (status === "completed" && input.conclusion === undefined) return invalid("conclusion", "missing_field");
  const output = input.output as Record<string, unknown> | undefined;
  let annotations: FakeAnnotation[] = [];
  if (output !== undefined) {
    if (typeof output.title !== "string") return invalid("title", "missing_field");
    if (typeof output.summary !== "string") return invalid("summary", "missing_field");
    if (output.summary.length > MAX_OUTPUT_CHARS) return invalid("summary", "too_long");
    if (typeof output.text === "string" && output.text.length > MAX_OUTPUT_CHARS)
      return invalid("text", "too_long");
    const list = (output.annotations ?? []) as unknown[];
    if (!Array.isArray(list) || list.length > MAX_ANNOTATIONS_PER_REQUEST)
      return invalid("annotations", "too_long");
    for (const item of list) {
      const problem = annotationProblem(item);
      if (problem) return problem;
    }
    annotations = list as FakeAnnotation[];
  }
  const actions = input.actions as FakeCheckRun["actions"] | undefined;
  if (actions !== undefined) {
    if (!Array.isArray(actions) || actions.length > 3) return invalid("actions", "too_long");
    for (const action of actions) {
      if (typeof action.label !== "string" || action.label.length > 20) return invalid("label", "too_long");
      if (typeof action.description !== "string" || action.description.length > 40)
        return invalid("description", "too_long");
      if (typeof action.identifier !== "string" || action.identifier.length > 20)
        return invalid("identifier", "too_long");
    }
  }
  if (typeof status === "string") run.status = status;
  if (typeof input.conclusion === "string") run.conclusion = input.conclusion;
  if (typeof input.external_id === "string") run.external_id = input.external_id;
  if (typeof input.details_url === "string") run.details_url = input.details_url;
  if (output !== undefined) {
    run.output = {
      title: output.title as string,
      summary: output.summary as string,
      text: typeof output.text === "string" ? output.text : run.output.text,
    };
    run.annotations.push(...annotations);
  }
  if (actions !== undefined) run.actions = actions;
  if (typeof status === "string") run.history.push({ status: run.status, conclusion: run.conclusion });
  return undefined;
}

/**
 * An annotation object as https://docs.github.com/en/rest/checks/runs#update-a-check-run
 * defines it: path, start_line, end_line, annotation_level and message required; start_column
 * and end_column only on a single line; title and raw_details optional strings. Anything else
 * (a field it does not define, a line that is not a positive integer, an end before the start,
 * a level outside notice/warning/failure) is a 422.
 */
function annotationProblem(item: unknown): FakeResponse | undefined {
  if (typeof item !== "object" || item === null || Array.isArray(item))
    return invalid("annotations", "invalid");
  const a = item as Record<string, unknown>;
  for (const field of Object.keys(a))
    if (!ANNOTATION_FIELDS.includes(field)) return invalid(field, "invalid");
  if (typeof a.path !== "string" || a.path === "") return invalid("path", "missing_field");
  if (a.path.startsWith("/") || a.path.split("/").includes("..")) return invalid("path", "invalid");
  const line = (value: unknown) => typeof value === "number" && Number.isInteger(value) && value >= 1;
  if (!line(a.start_line)) return invalid("start_line", "missing_field");
  if (!line(a.end_line) || (a.end_line as number) < (a.start_line as number))
    return invalid("end_line", "invalid");
  for (const column of ["start_column", "end_column"]) {
    if (a[column] === undefined) continue;
    if (!line(a[column]) || a.start_line !== a.end_line) return invalid(column, "invalid");
  }
  if (typeof a.annotation_level !== "string" || !ANNOTATION_LEVELS.includes(a.annotation_level))
    return invalid("annotation_level", "invalid");
  if (typeof a.message !== "string" || a.message === "") return invalid("message", "missing_field");
  for (const text of ["title", "raw_details"])
    if (a[text] !== undefined && typeof a[text] !== "string") return invalid(text, "invalid");
  return undefined;
}

/** A simple-user object (https://docs.github.com/en/rest/users/users). */
function userShape(login: string, id: number) {
  return { login, id, node_id: `U_${id}`, type: login.endsWith("[bot]") ? "Bot" : "User", site_admin: false };
}

function pullShape(repo: string, pull: FakePull) {
  const user = (login: string | undefined) => (login ? { login, id: 7, type: "User" } : null);
  return {
    number: pull.number,
    state: pull.state ?? "open",
    title: pull.title ?? `Pull ${pull.number}`,
    body: pull.body ?? null,
    merged_at: pull.mergedAt ?? null,
    html_url: `https://github.test/${repo}/pull/${pull.number}`,
    user: user(pull.author),
    merged_by: user(pull.mergedBy),
    head: {
      sha: pull.headSha,
      ref: pull.headRef ?? `feature-${pull.number}`,
      repo: { full_name: pull.headRepo ?? repo },
    },
    base: { ref: pull.baseRef ?? "main", sha: pull.baseSha ?? "0".repeat(40), repo: { full_name: repo } },
  };
}

function authorize(request: FakeRequest, token: string): FakeResponse | undefined {
  const header = request.headers.authorization;
  if (!header)
    return {
      status: 401,
      body: {
        message: "Requires authentication",
        documentation_url: "https://docs.github.com/rest",
        status: "401",
      },
    };
  const [scheme = "", value] = header.split(" ");
  if (["token", "bearer"].includes(scheme.toLowerCase()) && value === token) return undefined;
  return {
    status: 401,
    body: { message: "Bad credentials", documentation_url: "https://docs.github.com/rest", status: "401" },
  };
}

function notFound(message = "Not Found"): FakeResponse {
  return { status: 404, body: { message, documentation_url: "https://docs.github.com/rest", status: "404" } };
}

function invalid(field: string, code: string): FakeResponse {
  return {
    status: 422,
    body: { message: "Validation Failed", errors: [{ resource: "Resource", field, code }], status: "422" },
  };
}

/** GitHub's secondary rate limit answer: 403, Retry-After, and this wording in the message. */
export function secondaryRateLimit(retryAfterSeconds: number): Injection {
  return {
    status: 403,
    headers: { "retry-after": String(retryAfterSeconds), "x-ratelimit-remaining": "4990" },
    body: {
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      documentation_url:
        "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
      status: "403",
    },
  };
}

export function serverError(): Injection {
  return { status: 500, body: { message: "Server Error" } };
}
