// Reading a registry through the OCI distribution API: a repository's tags (`/v2/<name>/tags/list`,
// page by page through `Link`), and what a tag points at (its manifest digest and the labels of
// its image config, where `org.opencontainers.image.source`/`.revision` say which commit it was
// built from). Registries answer 401 with a `WWW-Authenticate` challenge: Bearer (Harbor, GHCR,
// GitLab, Docker Hub: a token is fetched from the realm with the configured credentials) or
// Basic (a plain docker-registry with htpasswd). Every answer is bounded and validated: a
// registry is outside input like a webhook.
import { z } from "zod";
import type { RegistryConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";

const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
/** A repository with more tags than this is refused rather than listed forever. */
export const MAX_TAGS = 100_000;
const PAGE_SIZE = 1_000;

const MANIFEST_TYPES = {
  dockerV2: "application/vnd.docker.distribution.manifest.v2+json",
  oci: "application/vnd.oci.image.manifest.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
} as const;

const TagList = z.object({ name: z.string(), tags: z.array(z.string()).nullable() });
const Manifest = z.object({
  mediaType: z.string().optional(),
  config: z.object({ digest: z.string().regex(/^sha256:[a-f0-9]{64}$/) }).optional(),
  manifests: z.array(z.unknown()).optional(),
});
const ImageConfig = z.object({
  config: z.object({ Labels: z.record(z.string(), z.string()).nullable().optional() }).optional(),
});
const TokenAnswer = z.object({
  token: z.string().min(1).optional(),
  access_token: z.string().min(1).optional(),
});

export interface ImageInfo {
  digest: string;
  /** The image config's labels (Dockerfile LABEL, `--label`, OCI annotations copied there by builders). */
  labels: Record<string, string>;
}

export interface RegistryClientOptions {
  timeoutMs?: number;
}

export class RegistryClient {
  readonly #registry: RegistryConfig;
  readonly #base: URL;
  readonly #timeoutMs: number;
  /** The Authorization header that last worked, per scope (Bearer tokens are per repository). */
  readonly #authorization = new Map<string, string>();

  constructor(registry: RegistryConfig, options: RegistryClientOptions = {}) {
    this.#registry = registry;
    this.#base = new URL(registry.url.endsWith("/") ? registry.url : `${registry.url}/`);
    this.#timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Every tag of `repository`, following the registry's `Link` pages. */
  async tags(repository: string): Promise<string[]> {
    const tags: string[] = [];
    let url: URL | undefined = new URL(`v2/${repository}/tags/list?n=${PAGE_SIZE}`, this.#base);
    while (url) {
      const answer = await this.#get(repository, url, "application/json");
      const page = parse(TagList, await boundedJson(answer), `tag list of ${repository}`);
      tags.push(...(page.tags ?? []));
      if (tags.length > MAX_TAGS)
        throw new AppError(
          "IMAGE_REFUSED",
          `${repository} has more than ${MAX_TAGS} tags; refusing to list them`,
        );
      url = this.#nextPage(answer.headers.get("link"));
    }
    return tags;
  }

  /** The digest `reference` (a tag) points at and its image's labels; refuses multi-platform indexes. */
  async image(repository: string, reference: string): Promise<ImageInfo> {
    const url = new URL(`v2/${repository}/manifests/${encodeURIComponent(reference)}`, this.#base);
    const answer = await this.#get(repository, url, Object.values(MANIFEST_TYPES).join(", "), {
      notFoundIsTransient: true,
    });
    const digest = answer.headers.get("docker-content-digest") ?? "";
    const text = await boundedText(answer);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest))
      throw new AppError("IMAGE_REFUSED", `${repository}:${reference}: the registry sent no sha256 digest`);
    const manifest = parse(Manifest, jsonOf(text, `manifest of ${repository}:${reference}`), "manifest");
    const mediaType = manifest.mediaType ?? answer.headers.get("content-type") ?? "";
    if (
      manifest.manifests ||
      mediaType === MANIFEST_TYPES.dockerList ||
      mediaType === MANIFEST_TYPES.ociIndex
    )
      throw new AppError(
        "IMAGE_REFUSED",
        `${repository}:${reference} is a multi-platform index (${mediaType}); Ferry updates single-platform images only`,
      );
    if (!manifest.config)
      throw new AppError("IMAGE_REFUSED", `${repository}:${reference}: the manifest names no image config`);
    const blob = new URL(`v2/${repository}/blobs/${manifest.config.digest}`, this.#base);
    const config = parse(
      ImageConfig,
      await boundedJson(await this.#get(repository, blob, "*/*")),
      "image config",
    );
    return { digest, labels: config.config?.Labels ?? {} };
  }

  /** The next page from a `Link: <...>; rel="next"` header, kept on the registry's own origin. */
  #nextPage(link: string | null): URL | undefined {
    const target = link?.match(/<([^>]+)>\s*;\s*rel="?next"?/)?.[1];
    if (!target) return undefined;
    const next = new URL(target, this.#base);
    if (next.origin !== this.#base.origin)
      throw new AppError("IMAGE_REFUSED", `the registry's next page ${next.origin} is on another origin`);
    return next;
  }

  async #get(
    repository: string,
    url: URL,
    accept: string,
    { notFoundIsTransient = false } = {},
  ): Promise<Response> {
    const send = (authorization?: string) =>
      request(url, { headers: { accept, ...(authorization ? { authorization } : {}) } }, this.#timeoutMs);
    let answer = await send(this.#authorization.get(repository));
    if (answer.status === 401) {
      await answer.body?.cancel();
      const authorization = await this.#authorize(answer.headers.get("www-authenticate") ?? "");
      this.#authorization.set(repository, authorization);
      answer = await send(authorization);
    }
    if (!answer.ok) {
      await answer.body?.cancel();
      const what = `${this.#registry.name}: GET ${url.pathname}`;
      if (answer.status === 401 || answer.status === 403)
        throw new AppError(
          "IMAGE_REFUSED",
          `${what}: ${answer.status}, the registry credentials are refused`,
        );
      // A tag just listed or notified can answer 404 for a moment: docker-registry lists the tag
      // and sends its notification before the tag's link is written, and registries on
      // eventually consistent storage lag. Another attempt reads it (or no longer lists the tag).
      if (answer.status === 404 && notFoundIsTransient)
        throw new AppError("REGISTRY_FAILED", `${what}: 404, not readable yet`);
      throw new AppError(
        answer.status >= 500 ? "REGISTRY_FAILED" : "IMAGE_REFUSED",
        `${what}: ${answer.status}`,
      );
    }
    return answer;
  }

  /** Answers a 401 challenge: Basic with the credentials, or a Bearer token from the realm. */
  async #authorize(challenge: string): Promise<string> {
    const { username, password } = this.#registry;
    const basic =
      username !== undefined && password !== undefined
        ? `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`
        : undefined;
    const scheme = challenge.split(/\s/, 1)[0]?.toLowerCase();
    if (scheme === "basic" && basic) return basic;
    if (scheme !== "bearer")
      throw new AppError(
        "IMAGE_REFUSED",
        `${this.#registry.name}: the registry wants credentials Ferry does not have`,
      );
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
    );
    if (!params.realm)
      throw new AppError("IMAGE_REFUSED", `${this.#registry.name}: a Bearer challenge without realm`);
    const realm = new URL(params.realm);
    if (realm.protocol !== "https:" && realm.origin !== this.#base.origin)
      throw new AppError(
        "IMAGE_REFUSED",
        `${this.#registry.name}: refusing to send credentials to ${realm.origin}`,
      );
    if (params.service) realm.searchParams.set("service", params.service);
    if (params.scope) realm.searchParams.set("scope", params.scope);
    const answer = await request(realm, { headers: basic ? { authorization: basic } : {} }, this.#timeoutMs);
    if (!answer.ok) {
      await answer.body?.cancel();
      throw new AppError(
        "IMAGE_REFUSED",
        `${this.#registry.name}: the token service answered ${answer.status}`,
      );
    }
    const token = parse(TokenAnswer, await boundedJson(answer), "token answer");
    const value = token.token ?? token.access_token;
    if (!value)
      throw new AppError("IMAGE_REFUSED", `${this.#registry.name}: the token service sent no token`);
    return `Bearer ${value}`;
  }
}

async function request(url: URL, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: "follow", signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new AppError("REGISTRY_FAILED", `GET ${url.origin}${url.pathname}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function boundedText(answer: Response): Promise<string> {
  const declared = Number(answer.headers.get("content-length") ?? "0");
  if (declared > MAX_ANSWER_BYTES) {
    await answer.body?.cancel();
    throw new AppError("IMAGE_REFUSED", `a registry answer of ${declared} bytes is over ${MAX_ANSWER_BYTES}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of answer.body ?? []) {
    size += (chunk as Uint8Array).byteLength;
    // Leaving the loop by a throw cancels the rest of the body.
    if (size > MAX_ANSWER_BYTES)
      throw new AppError("IMAGE_REFUSED", `a registry answer is over ${MAX_ANSWER_BYTES} bytes`);
    chunks.push(chunk as Uint8Array);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function jsonOf(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("IMAGE_REFUSED", `the registry's ${what} is not JSON`);
  }
}

async function boundedJson(answer: Response): Promise<unknown> {
  return jsonOf(await boundedText(answer), "answer");
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new AppError(
      "IMAGE_REFUSED",
      `the registry's ${what} is malformed: ${result.error.issues[0]?.message}`,
    );
  return result.data;
}
