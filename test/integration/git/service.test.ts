import { existsSync } from "node:fs";
import { mkdtemp, readFile, readlink, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../../src/errors.ts";
import { CliGitService } from "../../../src/git/service.ts";
import { registerCallCounts } from "../../../src/observability/call-counts.ts";
import type { RepoLocation } from "../../../src/git/types.ts";
import { createRepo, git, type TestRepo } from "../../support/git.ts";

const callRegistry = new Registry();
registerCallCounts(callRegistry);
const gitRuns = async () =>
  (await callRegistry.getSingleMetric("ferry_tool_runs_total")?.get())?.values.find(
    (value) => value.labels.tool === "git",
  )?.value ?? 0;

describe("CliGitService against local repositories", () => {
  let repo: TestRepo;
  let cacheDir: string;
  let service: CliGitService;
  let location: RepoLocation;

  beforeEach(async () => {
    repo = await createRepo({ "apps/a/cm.yaml": "a: 1\n", "apps/b/cm.yaml": "b: 1\n", "README.md": "hi\n" });
    cacheDir = await mkdtemp(join(tmpdir(), "ferry-git-cache-"));
    service = new CliGitService({ cacheDir, attempts: 1 });
    location = { repo: "acme/deploy", url: `file://${repo.dir}` };
  });
  afterEach(async () => {
    await repo.cleanup();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("reads a branch head with ls-remote and refuses a missing branch", async () => {
    expect(await service.headOf(location, "main")).toBe(await repo.head());
    await expect(service.headOf(location, "nope")).rejects.toSatisfy((error) =>
      isAppError(error, "GIT_REF_NOT_FOUND"),
    );
  });

  it("mirrors, checks out a commit into a private directory and removes it", async () => {
    const first = await repo.head();
    await repo.write({ "apps/a/cm.yaml": "a: 2\n" });
    await repo.commit("change a");
    const checkout = await service.checkout(location, first);
    expect(await readFile(join(checkout.dir, "apps/a/cm.yaml"), "utf8")).toBe("a: 1\n");
    expect(existsSync(join(checkout.dir, ".git"))).toBe(false);
    expect(existsSync(service.mirrorDir(location))).toBe(true);
    await checkout.cleanup();
    expect(existsSync(checkout.dir)).toBe(false);
  });

  it("shares one checkout of a commit among its holders and removes it with the last cleanup", async () => {
    const first = await repo.head();
    const [one, two] = await Promise.all([
      service.checkout(location, first),
      service.checkout(location, first),
    ]);
    expect(two?.dir).toBe(one?.dir);
    await repo.write({ "apps/a/cm.yaml": "a: 2\n" });
    const other = await service.checkout(location, await repo.commit("change a"));
    expect(other.dir).not.toBe(one?.dir);
    expect(await readFile(join(other.dir, "apps/a/cm.yaml"), "utf8")).toBe("a: 2\n");
    await one?.cleanup();
    await one?.cleanup(); // a second cleanup of the same holder does not release the other's
    expect(await readFile(join(two?.dir ?? "", "apps/a/cm.yaml"), "utf8")).toBe("a: 1\n");
    await two?.cleanup();
    expect(existsSync(two?.dir ?? "")).toBe(false);
    await other.cleanup();
    expect(existsSync(other.dir)).toBe(false);
    const again = await service.checkout(location, first);
    expect(again.dir).not.toBe(one?.dir);
    await again.cleanup();
  });

  it("answers concurrent head reads of a repository with one ls-remote, each fresh from its call on", async () => {
    await git(repo.dir, "branch", "release");
    const first = await repo.head();
    const before = await gitRuns();
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => service.headOf(location, "main")),
      service.headOf(location, "release"),
      service.headOf(location, "nope").catch((error: unknown) => error),
    ]);
    expect(answers.slice(0, 9)).toEqual(Array.from({ length: 9 }, () => first));
    expect(isAppError(answers[9], "GIT_REF_NOT_FOUND")).toBe(true);
    expect((await gitRuns()) - before).toBe(1);

    // A read that began before a push never answers a caller that asked after it.
    const early = service.headOf(location, "main");
    await repo.write({ "apps/a/cm.yaml": "a: 3\n" });
    const pushed = await repo.commit("after the first read began");
    expect(await service.headOf(location, "main")).toBe(pushed);
    expect([first, pushed]).toContain(await early);
  });

  it("keeps a checkout after its last holder when asked to linger, at most 4 idle, until close()", async () => {
    const lingering = new CliGitService({ cacheDir, attempts: 1, checkoutLingerMs: 60_000 });
    const first = await repo.head();
    const held = await lingering.checkout(location, first);
    await held.cleanup();
    // Idle but kept: the next holder gets the same tree instead of a new one.
    expect(existsSync(held.dir)).toBe(true);
    const again = await lingering.checkout(location, first);
    expect(again.dir).toBe(held.dir);
    await again.cleanup();
    // Four newer idle trees push the oldest one out.
    const newer: string[] = [];
    for (let index = 0; index < 4; index++) {
      await repo.write({ "apps/a/cm.yaml": `a: ${index + 10}\n` });
      const checkout = await lingering.checkout(location, await repo.commit(`change ${index}`));
      newer.push(checkout.dir);
      await checkout.cleanup();
    }
    expect(existsSync(held.dir)).toBe(false);
    expect(newer.every((dir) => existsSync(dir))).toBe(true);
    // A holder keeps its tree through close(); it goes with the holder's cleanup after it.
    const busy = await lingering.checkout(location, await repo.head());
    await lingering.close();
    expect(existsSync(busy.dir)).toBe(true);
    expect(newer.slice(0, 3).some((dir) => existsSync(dir))).toBe(false);
    await busy.cleanup();
    expect(existsSync(busy.dir)).toBe(false);
  });

  it("fetches commits made after the mirror was created, and refuses unknown ones", async () => {
    await (await service.checkout(location, await repo.head())).cleanup();
    await repo.write({ "apps/b/cm.yaml": "b: 2\n" });
    const second = await repo.commit("change b");
    const checkout = await service.checkout(location, second);
    expect(await readFile(join(checkout.dir, "apps/b/cm.yaml"), "utf8")).toBe("b: 2\n");
    await checkout.cleanup();
    await expect(service.checkout(location, "0123456789abcdef0123456789abcdef01234567")).rejects.toSatisfy(
      (error) => isAppError(error, "GIT_REF_NOT_FOUND"),
    );
    await expect(service.checkout(location, "--upload-pack=evil")).rejects.toSatisfy((error) =>
      isAppError(error, "GIT_REF_NOT_FOUND"),
    );
  });

  it("reads the named trailers of the commits after `from`, newest first, bounded in count and bytes", async () => {
    const from = await repo.head();
    const shas: string[] = [];
    for (const n of [1, 2, 3]) {
      await git(repo.dir, "commit", "-q", "--allow-empty", "-m", `n${n}\n\nFerry-Image: x ${n}\nOther: no`);
      shas.push(await repo.head());
    }
    await repo.commit("no trailers");
    const to = await repo.head();
    const query = { to, from, limit: 10, keys: ["Ferry-Image"], maxBytes: 1 << 20 };
    expect(await service.commitTrailers(location, query)).toEqual(
      [3, 2, 1].map((n) => ({ sha: shas[n - 1], trailers: [{ key: "Ferry-Image", value: `x ${n}` }] })),
    );
    // A range never changes: asking again (every app of one push does) runs no git.
    const runs = await gitRuns();
    expect(await service.commitTrailers(location, { ...query })).toHaveLength(3);
    expect(await gitRuns()).toBe(runs);
    // Only the newest `limit` commits are read (the one without trailers counts).
    expect(await service.commitTrailers(location, { ...query, limit: 2 })).toHaveLength(1);
    // Keys that are not plain names never reach git's format string.
    expect(await service.commitTrailers(location, { ...query, keys: ["x)%(body"] })).toEqual([]);
    await expect(service.commitTrailers(location, { ...query, maxBytes: 50 })).rejects.toSatisfy((error) =>
      isAppError(error, "GIT_FAILED"),
    );
  });

  it("keeps symlinks as symlinks in a checkout", async () => {
    await symlink("/etc/passwd", join(repo.dir, "apps/a/passwd.yaml"));
    const sha = await repo.commit("symlink");
    const checkout = await service.checkout(location, sha);
    expect(await readlink(join(checkout.dir, "apps/a/passwd.yaml"))).toBe("/etc/passwd");
    await checkout.cleanup();
  });

  it("lists changed paths with both sides of a rename", async () => {
    const from = await repo.head();
    await git(repo.dir, "mv", "apps/b", "apps/c");
    await repo.write({ "apps/a/new.yaml": "n: 1\n" });
    const to = await repo.commit("rename and add");
    const changed = await service.changedPaths(location, from, to);
    expect(changed.sort()).toEqual(["apps/a/new.yaml", "apps/b/cm.yaml", "apps/c/cm.yaml"]);
    const all = await service.changedPaths(location, "0".repeat(40), from);
    expect(all.sort()).toEqual(["README.md", "apps/a/cm.yaml", "apps/b/cm.yaml"]);
  });

  it("gives tree ids that change only with the content below a path", async () => {
    const first = await repo.head();
    await repo.write({ "apps/b/cm.yaml": "b: 3\n" });
    const second = await repo.commit("change b");
    const before = await service.treeIds(location, first, [
      "apps/a",
      "apps/b",
      "apps/a/cm.yaml",
      ".",
      "nope",
    ]);
    const after = await service.treeIds(location, second, [
      "apps/a",
      "apps/b",
      "apps/a/cm.yaml",
      ".",
      "nope",
    ]);
    expect(after.get("apps/a")).toBe(before.get("apps/a"));
    expect(after.get("apps/a/cm.yaml")).toBe(before.get("apps/a/cm.yaml"));
    expect(after.get("apps/b")).not.toBe(before.get("apps/b"));
    expect(after.get(".")).not.toBe(before.get("."));
    expect(after.get("nope")).toBeUndefined();
    expect(await service.treeId(location, second, "apps/a/")).toBe(before.get("apps/a"));
  });

  it("answers repeated tree id questions about a commit from its listing exactly as cat-file does", async () => {
    await symlink("../b", join(repo.dir, "apps/a/link"));
    await repo.write({ "apps/a/deep/er/x.yaml": "x: 1\n" });
    const sha = await repo.commit("nested and symlink");
    const paths = [
      ".",
      "./apps/a/",
      "apps/a",
      "apps/a/deep",
      "apps/a/deep/er/x.yaml",
      "apps/a/link",
      "apps/a/link/cm.yaml",
      "apps/a/../b",
      "apps//a",
      "nope",
      "apps/nope/x",
    ];
    const expected = new Map<string, string | undefined>();
    for (const path of paths) {
      const spelled = path.replace(/^(\.\/)+/, "").replace(/\/+$/, "");
      const id = await git(
        repo.dir,
        "rev-parse",
        "-q",
        "--verify",
        `${sha}:${spelled === "." ? "" : spelled}`,
      ).catch(() => undefined);
      expected.set(path, id === "" ? undefined : id);
    }
    for (let round = 0; round < 3; round++) {
      // round 0 goes through cat-file, later rounds through the listing of the whole tree
      expect(await service.treeIds(location, sha, paths)).toEqual(expected);
    }
    expect(expected.get("apps/a/link")).toBeDefined();
    expect(expected.get("apps/a/link/cm.yaml")).toBeUndefined();
  });

  it("serves concurrent checkouts and fetches of one repository without corrupting the mirror", async () => {
    const shas: string[] = [await repo.head()];
    for (let index = 0; index < 4; index++) {
      await repo.write({ [`apps/a/n${index}.yaml`]: `n: ${index}\n` });
      shas.push(await repo.commit(`commit ${index}`));
    }
    // Two services share the cache directory like two worker processes on one volume would.
    const other = new CliGitService({ cacheDir, attempts: 1 });
    const checkouts = await Promise.all(
      [...shas, ...shas].map((sha, index) => (index % 2 === 0 ? service : other).checkout(location, sha)),
    );
    for (const [index, checkout] of checkouts.entries()) {
      const expected = index % shas.length;
      expect(existsSync(join(checkout.dir, `apps/a/n${expected - 1}.yaml`))).toBe(expected > 0);
      expect(existsSync(join(checkout.dir, `apps/a/n${expected}.yaml`))).toBe(false);
    }
    await Promise.all(checkouts.map((checkout) => checkout.cleanup()));
    const fsck = await git(repo.dir, "--git-dir", service.mirrorDir(location), "fsck", "--no-progress");
    expect(fsck).toBe("");
    expect(new Set(checkouts.map((checkout) => checkout.dir)).size).toBe(checkouts.length);
  });
});
