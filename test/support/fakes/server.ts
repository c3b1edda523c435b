// The shared machinery of the forge fakes: a node:http server on a free loopback port with a
// route table, a record of every call, failure injection per route, and a list of requests no
// route expected (a test asserts it is empty: an unexpected call is a bug in the client).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { freePort } from "../ports.ts";

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  params: Record<string, string>;
  body: unknown;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RecordedCall {
  route: string;
  method: string;
  path: string;
  query: string;
  body: unknown;
  status: number;
  /** performance.now() when the request arrived: lets a test prove a Retry-After was waited out. */
  at: number;
  /** The credentials part of the Authorization header (which token or JWT sent the call). */
  credential: string;
}

export interface Injection {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Carry the request out first, then answer with the failure: the "lost answer" case. */
  afterApply?: boolean;
}

export interface RouteDef {
  name: string;
  method: string;
  /** `/repos/:owner/:repo/...`; a `:param` matches one path segment and is URL-decoded. */
  pattern: string;
  handle(request: FakeRequest): FakeResponse;
}

export class FakeHttpApi {
  readonly calls: RecordedCall[] = [];
  readonly unexpected: string[] = [];
  url = "";
  readonly #routes: { def: RouteDef; regex: RegExp; keys: string[] }[] = [];
  readonly #injections = new Map<string, Injection[]>();
  /** Headers added to every answer (e.g. GitHub's x-ratelimit-*), set with `answerHeaders`. */
  #answerHeaders: Record<string, string> = {};
  readonly #authorize: (request: FakeRequest) => FakeResponse | undefined;
  readonly #notFound: (message: string) => FakeResponse;
  #server: Server | undefined;

  constructor(input: {
    routes: RouteDef[];
    authorize: (request: FakeRequest) => FakeResponse | undefined;
    notFound: (message: string) => FakeResponse;
  }) {
    for (const def of input.routes) this.#routes.push({ def, ...compile(def.pattern) });
    this.#authorize = input.authorize;
    this.#notFound = input.notFound;
  }

  async start(): Promise<this> {
    const port = await freePort();
    this.#server = createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve) => this.#server?.listen(port, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The next `times` calls to route `name` answer with `failure` instead. */
  inject(name: string, times: number, failure: Injection): void {
    if (!this.#routes.some((route) => route.def.name === name)) throw new Error(`no route ${name}`);
    this.#injections.set(name, [
      ...(this.#injections.get(name) ?? []),
      ...Array<Injection>(times).fill(failure),
    ]);
  }

  /** From now on every answer carries these headers too (an injected one's own win). */
  answerHeaders(headers: Record<string, string>): void {
    this.#answerHeaders = headers;
  }

  callsTo(name: string): RecordedCall[] {
    return this.calls.filter((call) => call.route === name);
  }

  assertNoUnexpected(): void {
    if (this.unexpected.length > 0)
      throw new Error(`unexpected requests to the fake: ${this.unexpected.join("; ")}`);
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = performance.now();
    const raw = await readBody(req);
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    const match = this.#match(method, url.pathname);
    if (!match) {
      this.unexpected.push(`${method} ${url.pathname}${url.search}`);
      return send(res, this.#notFound(`fake has no route for ${method} ${url.pathname}`));
    }
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      this.unexpected.push(`${method} ${url.pathname}: body is not JSON`);
    }
    const request: FakeRequest = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      params: match.params,
      body,
    };
    const answer = this.#answer(match.def, request);
    const response = { ...answer, headers: { ...this.#answerHeaders, ...answer.headers } };
    this.calls.push({
      route: match.def.name,
      method,
      path: url.pathname,
      query: url.search,
      body,
      status: response.status,
      at,
      credential: (req.headers.authorization ?? "").split(" ")[1] ?? "",
    });
    send(res, response);
  }

  #answer(def: RouteDef, request: FakeRequest): FakeResponse {
    const denied = this.#authorize(request);
    if (denied) return denied;
    const injection = this.#injections.get(def.name)?.shift();
    if (!injection) return def.handle(request);
    if (injection.afterApply) def.handle(request);
    return {
      status: injection.status,
      body: injection.body ?? { message: "injected failure" },
      headers: injection.headers ?? {},
    };
  }

  #match(method: string, path: string) {
    for (const route of this.#routes) {
      if (route.def.method !== method) continue;
      const found = route.regex.exec(path);
      if (!found) continue;
      const params = Object.fromEntries(
        route.keys.map((key, i) => [key, decodeURIComponent(found[i + 1] ?? "")]),
      );
      return { def: route.def, params };
    }
    return undefined;
  }
}

function compile(pattern: string): { regex: RegExp; keys: string[] } {
  const keys: string[] = [];
  const source = pattern.replace(/:(\w+)/g, (_all, key: string) => {
    keys.push(key);
    return "([^/]+)";
  });
  return { regex: new RegExp(`^${source}$`), keys };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, response: FakeResponse): void {
  const isText = typeof response.body === "string";
  const payload =
    response.body === undefined ? "" : isText ? (response.body as string) : JSON.stringify(response.body);
  res.writeHead(response.status, {
    "content-type": isText ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
    ...response.headers,
  });
  res.end(response.status === 204 ? undefined : payload);
}

/** Offset pagination shared by both fakes: the slice for `page` and the neighbours that exist. */
export function paginate<T>(items: T[], query: URLSearchParams, defaultPerPage: number) {
  const perPage = Math.min(
    100,
    Math.max(1, Number(query.get("per_page") ?? defaultPerPage) || defaultPerPage),
  );
  const page = Math.max(1, Number(query.get("page") ?? 1) || 1);
  const totalPages = Math.max(1, Math.ceil(items.length / perPage));
  return { slice: items.slice((page - 1) * perPage, page * perPage), page, perPage, totalPages };
}

/** An RFC 8288 Link header as both GitHub and GitLab send it. */
export function linkHeader(base: string, query: URLSearchParams, page: number, totalPages: number): string {
  const at = (n: number) => {
    const next = new URLSearchParams(query);
    next.set("page", String(n));
    return `<${base}?${next.toString()}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${at(page - 1)}; rel="prev"`);
  if (page < totalPages) links.push(`${at(page + 1)}; rel="next"`);
  links.push(`${at(1)}; rel="first"`, `${at(totalPages)}; rel="last"`);
  return links.join(", ");
}
