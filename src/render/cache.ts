// Render results in Redis, keyed by what went into them (input object ids, tool versions,
// parameters) rather than by commit, so a commit elsewhere in a monorepo is a hit. Values are
// zlib-compressed JSON, sealed (src/state/seal.ts) under the cache key: a deploy applies what it
// reads here, so an entry that does not open is refused and the app rendered again, and Secret
// values never sit in Redis in the clear. Results above a size bound are not stored, and a Redis
// failure only costs a re-render.
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { deflateRaw, inflateRaw } from "node:zlib";
import type { RedisClient } from "../queue/connection.ts";
import type { Registry } from "prom-client";
import { stableJson } from "../json.ts";
import { renderCacheKey } from "../keys.ts";
import type { KubeObject } from "../kube/types.ts";
import type { StateSeal } from "../state/seal.ts";
import type { ToolName } from "./binaries.ts";
import { renderMetrics, type RenderMetrics } from "./metrics.ts";
import { toolVersion } from "./tools.ts";

const deflate = promisify(deflateRaw);
const inflate = promisify(inflateRaw);

/** Bump when the shape of cached objects or of the normalization changes. */
const FORMAT = "ferry-render-3";

export interface RenderCacheOptions {
  redis: RedisClient;
  registry: Registry;
  seal: StateSeal;
  ttlSeconds?: number;
  /** Compressed results larger than this are not cached. */
  maxBytes?: number;
  /** ferry.yaml's redis.prefix (src/keys.ts). */
  prefix: string;
}

export class RenderCache {
  readonly metrics: RenderMetrics;
  readonly #redis: RedisClient;
  readonly #seal: StateSeal;
  readonly #ttlSeconds: number;
  readonly #maxBytes: number;
  readonly #prefix: string;
  readonly #versions = new Map<ToolName, Promise<string>>();

  constructor(options: RenderCacheOptions) {
    this.#redis = options.redis;
    this.#seal = options.seal;
    this.metrics = renderMetrics(options.registry);
    this.#ttlSeconds = options.ttlSeconds ?? 7 * 24 * 3600;
    this.#maxBytes = options.maxBytes ?? 8 << 20;
    this.#prefix = options.prefix;
  }

  /** Asked once per process and tool; a failed probe is retried next time. */
  toolVersion(tool: ToolName): Promise<string> {
    let version = this.#versions.get(tool);
    if (!version) {
      version = toolVersion(tool);
      version.catch(() => this.#versions.delete(tool));
      this.#versions.set(tool, version);
    }
    return version;
  }

  async get(key: string): Promise<KubeObject[] | undefined> {
    try {
      const stored = await this.#redis.getBuffer(renderCacheKey(this.#prefix, key));
      const opened = stored ? this.#seal.open("render-cache", `render:${key}`, stored) : undefined;
      if (opened) {
        const objects = JSON.parse((await inflate(opened)).toString("utf8")) as KubeObject[];
        this.metrics.cacheHits.inc();
        return objects;
      }
    } catch {
      this.metrics.cacheErrors.inc();
    }
    this.metrics.cacheMisses.inc();
    return undefined;
  }

  async set(key: string, objects: KubeObject[]): Promise<void> {
    try {
      const packed = await deflate(Buffer.from(JSON.stringify(objects)));
      if (packed.length > this.#maxBytes) {
        this.metrics.cacheSkipped.inc();
        return;
      }
      const sealed = this.#seal.seal(`render:${key}`, packed);
      await this.#redis.set(renderCacheKey(this.#prefix, key), sealed, "EX", this.#ttlSeconds);
    } catch {
      this.metrics.cacheErrors.inc();
    }
  }
}

export function cacheKey(parts: Record<string, unknown>): string {
  return createHash("sha256")
    .update(stableJson({ format: FORMAT, ...parts }))
    .digest("hex");
}
