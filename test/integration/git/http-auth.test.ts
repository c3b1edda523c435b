// Token auth over smart HTTP: a node:http server in front of `git http-backend` that demands
// Basic auth, and a `git` wrapper on PATH that records every argv Ferry passes.
import { spawn } from "node:child_process";
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors.ts";
import { CliGitService } from "../../../src/git/service.ts";
import type { RepoLocation } from "../../../src/git/types.ts";
import { createRepo, git, type TestRepo } from "../../support/git.ts";

const TOKEN = "ghs_testtoken0123456789abcdefghijkl";
const expectedHeader = `Basic ${Buffer.from(`x-access-token:${TOKEN}`).toString("base64")}`;

function serveGit(projectRoot: string, seen: string[]) {
  return (request: IncomingMessage, response: ServerResponse) => {
    seen.push(request.url ?? "");
    if (request.headers.authorization !== expectedHeader) {
      response.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"' }).end();
      return;
    }
    const url = new URL(request.url ?? "/", "http://localhost");
    const cgi = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: request.method ?? "GET",
        CONTENT_TYPE: request.headers["content-type"] ?? "",
        REMOTE_USER: "x-access-token",
        REMOTE_ADDR: "127.0.0.1",
      },
    });
    request.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) return void response.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      headersDone = true;
      const lines = head.subarray(0, end).toString("utf8").split("\r\n");
      const status = Number(/^Status: (\d+)/m.exec(lines.join("\n"))?.[1] ?? 200);
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon > 0 && !line.startsWith("Status"))
          response.setHeader(line.slice(0, colon), line.slice(colon + 1).trim());
      }
      response.writeHead(status);
      response.write(head.subarray(end + 4));
    });
    cgi.stdout.on("end", () => response.end());
  };
}

describe("HTTPS token auth", () => {
  let repo: TestRepo;
  let projectRoot: string;
  let cacheDir: string;
  let wrapperDir: string;
  let server: Server;
  let baseUrl: string;
  const seen: string[] = [];
  const originalPath = process.env.PATH;

  beforeAll(async () => {
    repo = await createRepo({ "apps/a/cm.yaml": "a: 1\n" });
    projectRoot = await mkdtemp(join(tmpdir(), "ferry-http-git-"));
    await git(projectRoot, "clone", "-q", "--bare", repo.dir, join(projectRoot, "deploy.git"));
    cacheDir = await mkdtemp(join(tmpdir(), "ferry-git-cache-"));
    wrapperDir = await mkdtemp(join(tmpdir(), "ferry-git-wrapper-"));
    const realGit = (await git(repo.dir, "--exec-path")).replace(/\/lib\/git-core$/, "/bin/git");
    await writeFile(
      join(wrapperDir, "git"),
      `#!/bin/sh\necho "$@" >> "${wrapperDir}/argv.log"\nexec ${realGit} "$@"\n`,
    );
    await chmod(join(wrapperDir, "git"), 0o755);
    server = createServer(serveGit(projectRoot, seen));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.PATH = `${wrapperDir}:${originalPath}`;
  });
  afterAll(async () => {
    process.env.PATH = originalPath;
    await new Promise((resolve) => server.close(resolve));
    await Promise.all(
      [repo, { cleanup: () => rm(projectRoot, { recursive: true, force: true }) }].map((r) => r.cleanup()),
    );
    await rm(cacheDir, { recursive: true, force: true });
    await rm(wrapperDir, { recursive: true, force: true });
  });

  it("clones, fetches and reads heads with the token sent only as a header", async () => {
    const service = new CliGitService({ cacheDir, attempts: 1 });
    const location: RepoLocation = {
      repo: "acme/deploy",
      url: `${baseUrl}/deploy.git`,
      token: TOKEN,
      forgeType: "github",
    };
    const head = await service.headOf(location, "main");
    expect(head).toBe(await repo.head());
    const checkout = await service.checkout(location, head);
    expect(await readFile(join(checkout.dir, "apps/a/cm.yaml"), "utf8")).toBe("a: 1\n");
    await checkout.cleanup();
    const argv = await readFile(join(wrapperDir, "argv.log"), "utf8");
    expect(argv).toContain("clone --mirror");
    expect(argv).not.toContain(TOKEN);
    expect(argv).not.toContain(expectedHeader.slice(6));
    expect(seen.some((url) => url.includes(TOKEN))).toBe(false);
    const mirrorConfig = await readFile(join(service.mirrorDir(location), "config"), "utf8");
    expect(mirrorConfig).not.toContain(TOKEN);
  });

  it("fails with GIT_FAILED and no trace of the token when the token is wrong", async () => {
    const service = new CliGitService({ cacheDir: join(cacheDir, "wrong"), attempts: 2 });
    const wrong = "ghs_wrongtoken0123456789abcdefghijklm";
    const location: RepoLocation = {
      repo: "acme/deploy",
      url: `${baseUrl}/deploy.git`,
      token: wrong,
      forgeType: "github",
    };
    const error = await service.headOf(location, "main").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("GIT_FAILED");
    expect((error as AppError).message).toMatch(/authentication|401|could not read/i);
    const everything = JSON.stringify({
      message: (error as AppError).message,
      details: (error as AppError).details,
    });
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(Buffer.from(`x-access-token:${wrong}`).toString("base64"));
  });
});
