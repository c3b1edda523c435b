// A fake of the GitHub REST subset Ferry uses: issue comments, commit statuses, pulls.
// Paths, verbs, status codes, Link pagination and body shapes follow docs.github.com/en/rest.
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
}

interface Comment {
  id: number;
  body: string;
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

export class FakeGithub extends FakeHttpApi {
  readonly token: string;
  readonly pulls = new Map<string, FakePull>();
  readonly statuses: FakeStatus[] = [];
  readonly #comments = new Map<string, Comment[]>();
  #nextId = 1000;

  constructor(token = "ghp_fake_token_for_tests") {
    super({
      authorize: (request) => authorize(request, token),
      notFound: (message) => notFound(message),
      routes: [
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
          name: "commitPulls",
          method: "GET",
          pattern: "/repos/:owner/:repo/commits/:sha/pulls",
          handle: (r) => this.#commitPulls(r),
        },
      ],
    });
    this.token = token;
  }

  static async start(token?: string): Promise<FakeGithub> {
    return new FakeGithub(token).start();
  }

  seedPull(repo: string, pull: FakePull): void {
    this.pulls.set(`${repo}#${pull.number}`, pull);
    if (!this.#comments.has(`${repo}#${pull.number}`)) this.#comments.set(`${repo}#${pull.number}`, []);
  }

  seedComments(repo: string, number: number, bodies: string[]): void {
    const list = this.#thread(repo, number);
    if (!list) throw new Error(`seed pull ${repo}#${number} first`);
    for (const body of bodies) list.push(this.#newComment(body));
  }

  comments(repo: string, number: number): { id: number; body: string }[] {
    return (this.#thread(repo, number) ?? []).map(({ id, body }) => ({ id, body }));
  }

  #thread(repo: string, number: number | string): Comment[] | undefined {
    return this.#comments.get(`${repo}#${number}`);
  }

  #newComment(body: string): Comment {
    const now = new Date().toISOString();
    return { id: this.#nextId++, body, created_at: now, updated_at: now };
  }

  #shape(r: FakeRequest, comment: Comment) {
    const { owner = "", repo = "" } = r.params;
    return {
      ...comment,
      node_id: `IC_${comment.id}`,
      url: `${this.url}/repos/${owner}/${repo}/issues/comments/${comment.id}`,
      html_url: `https://github.test/${owner}/${repo}/pull/0#issuecomment-${comment.id}`,
      user: { login: "ferry-bot", id: 1, type: "Bot" },
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
    const comment = this.#newComment(body);
    thread.push(comment);
    return {
      status: 201,
      body: this.#shape(r, comment),
      headers: { location: `${this.url}/repos/x/issues/comments/${comment.id}` },
    };
  }

  #update(r: FakeRequest): FakeResponse {
    const repo = `${r.params.owner}/${r.params.repo}`;
    const comment = [...this.#comments.entries()]
      .filter(([key]) => key.startsWith(`${repo}#`))
      .flatMap(([, list]) => list)
      .find((c) => String(c.id) === r.params.id);
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

  #pull(r: FakeRequest): FakeResponse {
    const pull = this.pulls.get(`${r.params.owner}/${r.params.repo}#${r.params.number}`);
    return pull ? { status: 200, body: pullShape(`${r.params.owner}/${r.params.repo}`, pull) } : notFound();
  }

  #commitPulls(r: FakeRequest): FakeResponse {
    const repo = `${r.params.owner}/${r.params.repo}`;
    const found = [...this.pulls.entries()]
      .filter(
        ([key, pull]) =>
          key.startsWith(`${repo}#`) && [pull.headSha, ...(pull.commits ?? [])].includes(r.params.sha ?? ""),
      )
      .map(([, pull]) => pullShape(repo, pull));
    return { status: 200, body: found };
  }
}

function pullShape(repo: string, pull: FakePull) {
  return {
    number: pull.number,
    state: pull.state ?? "open",
    merged_at: pull.mergedAt ?? null,
    html_url: `https://github.test/${repo}/pull/${pull.number}`,
    head: { sha: pull.headSha, ref: `feature-${pull.number}` },
    base: { ref: "main" },
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
