// One key space: every key function of src/keys.ts builds under the configured prefix, the
// prefix is validated (hash tags allowed, glob characters refused), and a hash-tagged prefix
// gives every key, BullMQ's included, the same hash tag.
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.ts";
import {
  deliveryKey,
  deployLockKey,
  keyPattern,
  keyPrefixSchema,
  pendingPreviewKey,
  previewLockKey,
  previewPageKey,
  queuePrefix,
  reconcileKey,
  renderCacheKey,
  syncKey,
  watcherKey,
  watchersKey,
} from "../../src/keys.ts";
import { queueNames } from "../../src/queue/types.ts";

function everyKey(prefix: string): string[] {
  return [
    deliveryKey(prefix, "GitHub:x", "delivery-1"),
    pendingPreviewKey(prefix, "github/acme/deploy!7"),
    previewLockKey(prefix, "github/acme/deploy!7"),
    previewPageKey(prefix, "A".repeat(32)),
    renderCacheKey(prefix, "f".repeat(64)),
    syncKey(prefix, "web", "history"),
    syncKey(prefix, "web", "inventory"),
    deployLockKey(prefix, "web"),
    reconcileKey(prefix, "web", "status"),
    watcherKey(prefix, "prod"),
    watchersKey(prefix),
    // BullMQ builds `<prefix>:<queue>:<suffix>` from the prefix it is given.
    ...Object.values(queueNames).map((queue) => `${queuePrefix(prefix)}:${queue}:wait`),
  ];
}

/** The part Redis Cluster hashes: the first {…} with something inside, else the whole key. */
function hashedPart(key: string): string {
  const match = /\{([^}]+)\}/.exec(key);
  return match && key.indexOf("{") === match.index ? match[1]! : key;
}

describe("the Redis key space", () => {
  it("defaults to the prefix ferry and builds every key under it", () => {
    const prefix = configSchema.parse({ forges: [], clusters: [], apps: [] }).redis.prefix;
    expect(prefix).toBe("ferry");
    expect(keyPattern(prefix)).toBe("ferry:*");
    for (const key of everyKey(prefix)) expect(key.startsWith("ferry:")).toBe(true);
    expect(new Set(everyKey(prefix)).size).toBe(everyKey(prefix).length);
  });

  it("keeps keys of two prefixes apart", () => {
    const a = everyKey("team-a");
    expect(a.every((key) => key.startsWith("team-a:"))).toBe(true);
    expect(everyKey("team-b").filter((key) => a.includes(key))).toEqual([]);
  });

  it("gives every key the prefix's hash tag, so all of them share one Cluster slot", () => {
    for (const prefix of ["{ferry}", "prod:{ferry}"]) {
      expect(keyPrefixSchema.parse(prefix)).toBe(prefix);
      expect(new Set(everyKey(prefix).map(hashedPart))).toEqual(new Set(["ferry"]));
    }
  });

  it.each(["", "a b", "fer*ry", "a?", "[a]", "{a}{b}", "{}", "a".repeat(65)])(
    "refuses the prefix %j",
    (bad) => {
      expect(keyPrefixSchema.safeParse(bad).success).toBe(false);
    },
  );
});
