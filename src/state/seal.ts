// Sealed state: the records Ferry keeps in Redis that can lead to a write to a cluster (the last
// healthy manifests that rollback and self-heal apply, the render cache deploys read, the
// commit an automatic image merge may merge) are sealed
// with AES-256-GCM under a key only workers hold (FERRY_STATE_KEY).
// - The GCM tag authenticates each record and its context (record kind and app, or cache key),
//   so anyone who can write to Redis, the internet-facing receiver included, cannot make a
//   worker apply objects that did not come from Git, nor move one app's record to another.
// - The encryption keeps rendered Secret values out of Redis in the clear.
// A record that does not open (tampered, written in the clear, sealed under an unknown key) is
// refused: counted in ferry_state_refused_total, logged once per record, and the caller falls
// back to rendering from Git.
//
// Layout of a sealed value: "fs1" | key id (4 bytes) | IV (12) | tag (16) | ciphertext.
// The key id (the first 4 bytes of the key's SHA-256) picks the key to open with, so keys can be
// rotated: the new key in FERRY_STATE_KEY, the old ones in FERRY_STATE_PREVIOUS_KEYS until every
// record has been rewritten (docs/operations.md).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { Counter, type Registry } from "prom-client";
import { AppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";

export const STATE_KEY_ENV = "FERRY_STATE_KEY";
export const STATE_PREVIOUS_KEYS_ENV = "FERRY_STATE_PREVIOUS_KEYS";

const MAGIC = Buffer.from("fs1");
const ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER = MAGIC.length + ID_BYTES + IV_BYTES + TAG_BYTES;
/** Distinct refused records remembered for "logged once"; the set restarts when full. */
const LOGGED_LIMIT = 1_000;

/** Which kind of record was refused: the metric's label. */
export type SealedRecord = "healthy" | "render-cache" | "image-push";

interface StateKey {
  id: Buffer;
  key: Buffer;
}

function parseKey(text: string, variable: string): StateKey {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32 || key.toString("base64") !== text.trim()) {
    throw new AppError(
      "CONFIG_INVALID",
      `${variable}: must be 32 random bytes in base64 (openssl rand -base64 32)`,
    );
  }
  return { id: createHash("sha256").update(key).digest().subarray(0, ID_BYTES), key };
}

export interface StateSealOptions {
  registry: Registry;
  logger: Logger;
}

export class StateSeal {
  readonly #current: StateKey;
  readonly #all: StateKey[];
  readonly #refused: Counter<"record">;
  readonly #logger: Logger;
  readonly #logged = new Set<string>();

  /** `keys[0]` seals; every key opens. Each key is 32 bytes in base64. */
  constructor(keys: readonly string[], options: StateSealOptions, variable = STATE_KEY_ENV) {
    const parsed = keys.map((key, i) => parseKey(key, i === 0 ? variable : STATE_PREVIOUS_KEYS_ENV));
    const [current] = parsed;
    if (!current) throw new AppError("CONFIG_INVALID", `${variable}: required by workers`);
    this.#current = current;
    this.#all = parsed;
    this.#logger = options.logger;
    const name = "ferry_state_refused_total";
    this.#refused =
      (options.registry.getSingleMetric(name) as Counter<"record"> | undefined) ??
      new Counter({
        name,
        help: "Records read back from Redis that failed their authenticity check and were not used",
        labelNames: ["record"],
        registers: [options.registry],
      });
  }

  /**
   * The keys from the environment: FERRY_STATE_KEY seals and opens, the comma-separated
   * FERRY_STATE_PREVIOUS_KEYS only open. Missing FERRY_STATE_KEY is a configuration error.
   */
  static fromEnv(env: NodeJS.ProcessEnv, options: StateSealOptions): StateSeal {
    const current = env[STATE_KEY_ENV];
    if (current === undefined || current === "") {
      throw new AppError(
        "CONFIG_INVALID",
        `${STATE_KEY_ENV}: required by workers (32 random bytes in base64: openssl rand -base64 32)`,
      );
    }
    const previous = (env[STATE_PREVIOUS_KEYS_ENV] ?? "")
      .split(",")
      .map((key) => key.trim())
      .filter(Boolean);
    return new StateSeal([current, ...previous], options);
  }

  /** A fresh random key: `ferry up`'s demo with its private Redis, and tests. */
  static generateKey(): string {
    return randomBytes(32).toString("base64");
  }

  /** Encrypts and authenticates `data` bound to `context` (which record of what this is). */
  seal(context: string, data: Buffer): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#current.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(data), cipher.final()]);
    return Buffer.concat([MAGIC, this.#current.id, iv, cipher.getAuthTag(), body]);
  }

  /**
   * The plaintext of a record sealed for `context`, or undefined when it does not open: the
   * refusal is counted and logged (once per record), and the caller must not use the value.
   */
  open(record: SealedRecord, context: string, sealed: Buffer): Buffer | undefined {
    const opened = this.#tryOpen(context, sealed);
    if (opened === undefined) this.#refuse(record, context);
    return opened;
  }

  #tryOpen(context: string, sealed: Buffer): Buffer | undefined {
    if (sealed.length < HEADER || !sealed.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const id = sealed.subarray(MAGIC.length, MAGIC.length + ID_BYTES);
    const key = this.#all.find((candidate) => candidate.id.equals(id));
    if (!key) return undefined;
    const ivAt = MAGIC.length + ID_BYTES;
    const decipher = createDecipheriv("aes-256-gcm", key.key, sealed.subarray(ivAt, ivAt + IV_BYTES));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(sealed.subarray(ivAt + IV_BYTES, HEADER));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(HEADER)), decipher.final()]);
    } catch {
      return undefined;
    }
  }

  #refuse(record: SealedRecord, context: string): void {
    this.#refused.inc({ record });
    if (this.#logged.has(context)) return;
    if (this.#logged.size >= LOGGED_LIMIT) this.#logged.clear();
    this.#logged.add(context);
    this.#logger.warn(
      { record, context },
      "stored state refused: it failed its authenticity check (tampered, or sealed under another key); using Git instead",
    );
  }
}
