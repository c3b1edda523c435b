// A forge configured without an API token receives webhooks but cannot be written to. Rather
// than failing every preview and deploy on unauthenticated calls, its feedback is logged and
// dropped; `ferry up`'s local demo runs this way.
import type { Logger } from "../observability/logger.ts";
import type {
  ChangeRequestInfo,
  ChangeRequestRef,
  CommitStatus,
  Forge,
  ForgeUser,
  UpsertResult,
} from "./types.ts";

export class OfflineForge implements Forge {
  readonly name: string;
  readonly type: "github" | "gitlab";
  readonly #logger: Logger | undefined;

  constructor(name: string, type: "github" | "gitlab", logger?: Logger) {
    this.name = name;
    this.type = type;
    this.#logger = logger;
  }

  /** Writes nothing, so it is no one. */
  identity(): Promise<string> {
    return Promise.resolve("");
  }

  upsertComment(target: ChangeRequestRef, key: string, body: string): Promise<UpsertResult> {
    this.#logger?.info(
      { forge: this.name, ...target, key, chars: body.length },
      "forge has no token: comment not posted",
    );
    return Promise.resolve({ id: 0, action: "unchanged" });
  }

  createComment(target: ChangeRequestRef, body: string): Promise<number> {
    this.#logger?.info(
      { forge: this.name, ...target, chars: body.length },
      "forge has no token: comment not posted",
    );
    return Promise.resolve(0);
  }

  setStatus(repo: string, status: CommitStatus): Promise<void> {
    this.#logger?.info({ forge: this.name, repo, ...status }, "forge has no token: status not set");
    return Promise.resolve();
  }

  /** Without an API the webhook's own head is taken as the newest. */
  getChangeRequest(target: ChangeRequestRef): Promise<ChangeRequestInfo> {
    return Promise.resolve({ number: target.number, headSha: "", state: "open" });
  }

  findMergedChangeRequest(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  /** Nobody's permission can be asked without an API: commands are refused. */
  permissionOf(repo: string, user: ForgeUser): Promise<string> {
    this.#logger?.info(
      { forge: this.name, repo, user: user.login },
      "forge has no token: permission unknown",
    );
    return Promise.resolve("none");
  }

  acknowledge(target: ChangeRequestRef, commentId: number): Promise<void> {
    this.#logger?.info({ forge: this.name, ...target, commentId }, "forge has no token: not acknowledged");
    return Promise.resolve();
  }
}
