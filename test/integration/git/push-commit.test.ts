// The one commit Ferry writes itself (image updates): built from the mirror's objects with
// the files given, pushed to a branch of a real repository, and refused when the branch moved
// away from what Ferry last saw (a person's commit there is never overwritten unseen).
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import { CliGitService } from "../../../src/git/service.ts";
import type { RepoLocation } from "../../../src/git/types.ts";
import { createRepo, git, type TestRepo } from "../../support/git.ts";

let repo: TestRepo;
let cacheDir: string;
let service: CliGitService;
let location: RepoLocation;
const author = { name: "Ferry", email: "ferry@noreply.invalid" };

beforeEach(async () => {
  repo = await createRepo({
    "apps/web/deploy.yaml": "image: acme/web:1.0.0 # ferry:image web\n# keep this comment\n",
    "apps/web/run.sh": "#!/bin/sh\n",
  });
  await chmod(join(repo.dir, "apps/web/run.sh"), 0o755);
  await repo.commit("executable");
  cacheDir = await mkdtemp(join(tmpdir(), "ferry-push-"));
  service = new CliGitService({ cacheDir });
  location = { repo: "acme/deploy", url: repo.dir };
});

afterEach(async () => {
  await repo.cleanup();
  await rm(cacheDir, { recursive: true, force: true });
});

describe("pushCommit", () => {
  it("pushes a commit that changes exactly the given files, on the base, keeping file modes", async () => {
    const base = await repo.head();
    const made = await service.pushCommit(location, {
      base,
      branch: "ferry/images/web",
      files: new Map([
        ["apps/web/deploy.yaml", "image: acme/web:1.2.0 # ferry:image web\n# keep this comment\n"],
        ["apps/web/run.sh", "#!/bin/sh\necho new\n"],
      ]),
      message: "images: acme/web 1.2.0\n",
      author,
      expected: undefined,
    });
    expect(await git(repo.dir, "rev-parse", "refs/heads/ferry/images/web")).toBe(made);
    expect(await git(repo.dir, "rev-parse", `${made}^`)).toBe(base);
    expect(await git(repo.dir, "diff", "--name-only", base, made)).toBe(
      "apps/web/deploy.yaml\napps/web/run.sh",
    );
    expect(await git(repo.dir, "show", `${made}:apps/web/deploy.yaml`)).toBe(
      "image: acme/web:1.2.0 # ferry:image web\n# keep this comment",
    );
    expect(await git(repo.dir, "ls-tree", made, "apps/web/run.sh")).toMatch(/^100755 /);
    expect(await git(repo.dir, "log", "-1", "--format=%an <%ae>|%s", made)).toBe(
      "Ferry <ferry@noreply.invalid>|images: acme/web 1.2.0",
    );
    expect(await git(repo.dir, "ls-tree", base, "apps/web/run.sh")).toMatch(/^100755 /);
    // The tracked branch is untouched.
    expect(await git(repo.dir, "rev-parse", "main")).toBe(base);
  });

  it("moves its own branch, and refuses when someone else moved it meanwhile", async () => {
    const base = await repo.head();
    const commit = (text: string, expected: string | undefined) =>
      service.pushCommit(location, {
        base,
        branch: "ferry/images/web",
        files: new Map([["apps/web/deploy.yaml", text]]),
        message: "images\n",
        author,
        expected,
      });
    const first = await commit("image: acme/web:1.2.0 # ferry:image web\n", undefined);
    const second = await commit("image: acme/web:1.3.0 # ferry:image web\n", first);
    expect(await git(repo.dir, "rev-parse", "refs/heads/ferry/images/web")).toBe(second);
    // A person pushes onto the branch; Ferry, still expecting `second`, must not overwrite it.
    await git(repo.dir, "branch", "-f", "ferry/images/web", base);
    const refused = await commit("image: acme/web:1.4.0 # ferry:image web\n", second).catch(
      (error: unknown) => error,
    );
    expect(isAppError(refused, "GIT_FAILED")).toBe(true);
    expect(await git(repo.dir, "rev-parse", "refs/heads/ferry/images/web")).toBe(base);
    // Creating a branch that already exists is refused the same way.
    const created = await commit("x\n", undefined).catch((error: unknown) => error);
    expect(isAppError(created, "GIT_FAILED")).toBe(true);
  });

  it("pushes nothing when the branch already is that commit (the same change written again)", async () => {
    const base = await repo.head();
    const branch = "ferry/images/web";
    const files = new Map([["apps/web/deploy.yaml", "image: acme/web:1.2.0 # ferry:image web\n"]]);
    const push = (message: string, expected: string | undefined) =>
      service.pushCommit(location, { base, branch, files, message, author, expected });
    const first = await push("images: acme/web 1.2.0\n", undefined);
    // The same commit as Ferry wrote it earlier (dated 2001): in the repository and in the
    // mirror, as after the earlier run's push. Only its date differs from a new one.
    const earlier = async (dir: string) =>
      (
        await promisify(execFile)(
          "git",
          ["commit-tree", `${first}^{tree}`, "-p", base, "-m", "images: acme/web 1.2.0"],
          {
            cwd: dir,
            env: {
              ...process.env,
              GIT_AUTHOR_NAME: author.name,
              GIT_AUTHOR_EMAIL: author.email,
              GIT_COMMITTER_NAME: author.name,
              GIT_COMMITTER_EMAIL: author.email,
              GIT_AUTHOR_DATE: "2001-01-01T00:00:00Z",
              GIT_COMMITTER_DATE: "2001-01-01T00:00:00Z",
            },
          },
        )
      ).stdout.trim();
    const old = await earlier(repo.dir);
    expect(await earlier(service.mirrorDir(location))).toBe(old);
    await git(repo.dir, "branch", "-f", branch, old);

    expect(await push("images: acme/web 1.2.0\n", old)).toBe(old);
    expect(await git(repo.dir, "rev-parse", `refs/heads/${branch}`)).toBe(old);
    // Another message (a new digest for the tag) is a new commit.
    const moved = await push("images: acme/web 1.2.0\n\nDigest: sha256:...\n", old);
    expect(moved).not.toBe(old);
    expect(await git(repo.dir, "rev-parse", `refs/heads/${branch}`)).toBe(moved);
  });

  it("refuses a branch name outside what Ferry writes", async () => {
    const error = await service
      .pushCommit(location, {
        base: await repo.head(),
        branch: "../main",
        files: new Map(),
        message: "x",
        author,
        expected: undefined,
      })
      .catch((failure: unknown) => failure);
    expect(isAppError(error)).toBe(true);
  });
});
