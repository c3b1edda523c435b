// Every value in Redis, decoded the ways Ferry (and BullMQ) store things: plain, gzip, raw
// deflate, zlib, each also behind base64. For the tests that look at Redis as an attacker or an
// auditor would: what mentions an image, what holds a Secret value.
import { gunzipSync, gzipSync, deflateRawSync, inflateRawSync, inflateSync, deflateSync } from "node:zlib";
import type { RedisClient } from "../../src/queue/connection.ts";

export type Encoding = "plain" | "gzip" | "deflate-raw" | "zlib" | "base64+gzip" | "base64+deflate-raw";

export interface StoredValue {
  key: string;
  type: "string" | "hash" | "list" | "set" | "zset" | "stream";
  /** Hash field, list index, set member index. */
  field?: string;
  raw: Buffer;
  /** The first decoding that gave text, or undefined for bytes that are none of them (sealed). */
  decoded?: { encoding: Encoding; text: string };
}

const decoders: Array<[Encoding, (raw: Buffer) => Buffer]> = [
  ["gzip", (raw) => gunzipSync(raw)],
  ["zlib", (raw) => inflateSync(raw)],
  ["base64+gzip", (raw) => gunzipSync(base64Bytes(raw))],
  ["base64+deflate-raw", (raw) => inflateRawSync(base64Bytes(raw))],
  ["deflate-raw", (raw) => inflateRawSync(raw)],
];

const encoders: Record<Encoding, (text: string) => Buffer> = {
  plain: (text) => Buffer.from(text),
  gzip: (text) => gzipSync(text),
  zlib: (text) => deflateSync(text),
  "deflate-raw": (text) => deflateRawSync(text),
  "base64+gzip": (text) => Buffer.from(gzipSync(text).toString("base64")),
  "base64+deflate-raw": (text) => Buffer.from(deflateRawSync(text).toString("base64")),
};

function base64Bytes(raw: Buffer): Buffer {
  const text = raw.toString("latin1");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new Error("not base64");
  return Buffer.from(text, "base64");
}

function isText(bytes: Buffer): boolean {
  const text = bytes.toString("utf8");
  // Control characters other than tab and line breaks mean bytes, not text.
  return !text.includes("\uFFFD") && ![...text].some((char) => char < " " && !"\t\n\r".includes(char));
}

export function decode(raw: Buffer): StoredValue["decoded"] {
  for (const [encoding, decoder] of decoders) {
    try {
      const bytes = decoder(raw);
      if (isText(bytes)) return { encoding, text: bytes.toString("utf8") };
    } catch {
      // not this encoding
    }
  }
  return isText(raw) ? { encoding: "plain", text: raw.toString("utf8") } : undefined;
}

export function encode(encoding: Encoding, text: string): Buffer {
  return encoders[encoding](text);
}

/** Every key matching `pattern` (all keys by default) with each of its values, decoded. */
export async function dumpRedis(redis: RedisClient, pattern = "*"): Promise<StoredValue[]> {
  const values: StoredValue[] = [];
  const add = (key: string, type: StoredValue["type"], raw: Buffer, field?: string) => {
    const decoded = decode(raw);
    values.push({
      key,
      type,
      raw,
      ...(field === undefined ? {} : { field }),
      ...(decoded ? { decoded } : {}),
    });
  };
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      const type = (await redis.type(key)) as StoredValue["type"] | "none";
      if (type === "string") {
        const raw = await redis.getBuffer(key);
        if (raw) add(key, type, raw);
      } else if (type === "hash") {
        const fields = await redis.hgetallBuffer(key);
        for (const [field, raw] of Object.entries(fields)) add(key, type, raw, field);
      } else if (type === "list") {
        (await redis.lrangeBuffer(key, 0, -1)).forEach((raw, i) => add(key, type, raw, String(i)));
      } else if (type === "set") {
        (await redis.smembersBuffer(key)).forEach((raw, i) => add(key, type, raw, String(i)));
      } else if (type === "zset") {
        (await redis.zrangeBuffer(key, "0", "-1")).forEach((raw, i) => add(key, type, raw, String(i)));
      } else if (type === "stream") {
        const entries = (await redis.xrangeBuffer(key, "-", "+")) as Array<[Buffer, Buffer[]]>;
        for (const [id, fields] of entries) add(key, type, Buffer.concat(fields), id.toString());
      }
    }
  } while (cursor !== "0");
  return values;
}
