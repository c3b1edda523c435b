// Branch heads read from the remote with `git ls-remote`, one process for many callers. Every
// sync job resolves its revision when it runs (never from the event, so an old event cannot
// roll an app back), which for a push to a repository of 1,000 apps meant 1,000 ls-remote
// processes of the same branch; a spawn costs tens of milliseconds of the worker's main thread.
//
// Callers of one repository share a read, but only one that STARTED AFTER they asked: while a
// read is running, newcomers gather in the next batch, which starts when the running one ends
// and asks for all their branches at once. So every answer is at least as fresh as a read of
// one's own would have been, and at most one read per repository runs at a time.
import { AppError } from "../errors.ts";
import { authFor } from "./auth.ts";
import { withRetries } from "./retry.ts";
import { runGit } from "./run.ts";
import type { RepoLocation } from "./types.ts";

interface Batch {
  location: RepoLocation;
  refs: Set<string>;
  heads?: Promise<Map<string, string>>;
}

interface Queue {
  running?: Promise<unknown>;
  next?: Batch;
}

export class RemoteHeads {
  readonly #queues = new Map<string, Queue>();
  readonly #attempts: number;
  readonly #timeoutMs: number;

  constructor(options: { attempts: number; timeoutMs: number }) {
    this.#attempts = options.attempts;
    this.#timeoutMs = options.timeoutMs;
  }

  /** The commit sha the branch points at on the remote; GIT_REF_NOT_FOUND when it does not exist. */
  async headOf(location: RepoLocation, branch: string): Promise<string> {
    const ref = `refs/heads/${branch}`;
    const heads = await this.#join(location, ref);
    const sha = heads.get(ref);
    if (sha === undefined)
      throw new AppError("GIT_REF_NOT_FOUND", `branch ${branch} not found in ${location.repo}`);
    return sha;
  }

  #join(location: RepoLocation, ref: string): Promise<Map<string, string>> {
    const key = `${location.forgeType ?? ""}\0${location.url}`;
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = {};
      this.#queues.set(key, queue);
    }
    let batch = queue.next;
    if (!batch) {
      batch = { location, refs: new Set() };
      batch.heads = this.#start(key, queue, batch);
      queue.next = batch;
    }
    batch.refs.add(ref);
    return batch.heads as Promise<Map<string, string>>;
  }

  async #start(key: string, queue: Queue, batch: Batch): Promise<Map<string, string>> {
    // Wait for the read in flight (it started before these callers asked), then close the batch.
    await queue.running?.catch(() => undefined);
    queue.next = undefined;
    const read = this.#read(batch.location, [...batch.refs]);
    queue.running = read;
    try {
      return await read;
    } finally {
      if (queue.running === read) queue.running = undefined;
      if (queue.running === undefined && queue.next === undefined) this.#queues.delete(key);
    }
  }

  async #read(location: RepoLocation, refs: string[]): Promise<Map<string, string>> {
    const { stdout } = await withRetries(this.#attempts, async () =>
      runGit(["ls-remote", "--", location.url, ...refs], {
        auth: await authFor(location),
        timeoutMs: this.#timeoutMs,
      }),
    );
    // "<sha>\t<ref>" per line; refs/heads/x also matches refs/heads/foo/x, so exact names only.
    const wanted = new Set(refs);
    const heads = new Map<string, string>();
    for (const line of stdout.toString("utf8").split("\n")) {
      const [sha, name] = line.split("\t");
      if (sha && name && wanted.has(name)) heads.set(name, sha);
    }
    return heads;
  }
}
