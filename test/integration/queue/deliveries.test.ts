// The delivery ledger sends the claims and confirms that arrive together as one script run:
// each key must still behave as if its SET ran alone, in arrival order, and a key Redis refuses
// fails only its own caller. A claim tells a new
// delivery, one whose jobs were stored (done) and one whose first request has not finished or
// failed without releasing its claim (pending: the receiver answers 503, never "duplicate").
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createDeliveryLedger, deliveryRetentionSeconds } from "../../../src/queue/deliveries.ts";
import { deliveryKey } from "../../../src/keys.ts";

const clients: Redis[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.quit();
});

function ledger() {
  const redis = new Redis(inject("redisUrl"));
  clients.push(redis);
  const prefix = `t-${randomUUID()}`;
  return { redis, prefix, ledger: createDeliveryLedger(redis, prefix) };
}

describe("delivery ledger", () => {
  it("concurrent claims of one delivery: exactly the first wins, the others see it pending; other deliveries are unaffected", async () => {
    const { ledger: deliveries } = ledger();
    const [a, b] = [randomUUID(), randomUUID()];
    const claims = await Promise.all([
      deliveries.claim("github", a),
      deliveries.claim("github", b),
      deliveries.claim("github", a),
      deliveries.claim("gitlab", a),
    ]);
    expect(claims).toEqual(["new", "new", "pending", "new"]);
    expect(await deliveries.claim("github", a)).toBe("pending");
  });

  it("a batch larger than one script run still claims every key once", async () => {
    const { ledger: deliveries } = ledger();
    const ids = Array.from({ length: 600 }, () => randomUUID());
    const first = await Promise.all(ids.map((id) => deliveries.claim("github", id)));
    const again = await Promise.all(ids.map((id) => deliveries.claim("github", id)));
    expect(first.every((claim) => claim === "new")).toBe(true);
    expect(again.every((claim) => claim === "pending")).toBe(true);
  });

  it("claims and confirms asked for together run as one batch, in arrival order", async () => {
    const { redis, prefix, ledger: deliveries } = ledger();
    const [a, b] = [randomUUID(), randomUUID()];
    expect(await deliveries.claim("github", a)).toBe("new");
    // Same round: a's confirm before its second claim, b's first claim before its confirm.
    const [, againA, firstB] = await Promise.all([
      deliveries.confirm("github", a),
      deliveries.claim("github", a),
      deliveries.claim("github", b),
      deliveries.confirm("github", b),
    ]);
    expect(againA).toBe("done");
    expect(firstB).toBe("new");
    expect(await redis.get(deliveryKey(prefix, "github", b))).toBe("done");
    expect(await redis.ttl(deliveryKey(prefix, "github", b))).toBeGreaterThan(deliveryRetentionSeconds - 60);
    // The other order for the same key: a claim that meets a pending claim, then the confirm.
    const c = randomUUID();
    expect(await deliveries.claim("github", c)).toBe("new");
    const [againC] = await Promise.all([deliveries.claim("github", c), deliveries.confirm("github", c)]);
    expect(againC).toBe("pending");
    expect(await deliveries.claim("github", c)).toBe("done");
  });

  it("a key Redis refuses fails its own claim only; the other deliveries of the batch go on", async () => {
    const { redis, prefix, ledger: deliveries } = ledger();
    const [good, bad, confirmed] = [randomUUID(), randomUUID(), randomUUID()];
    // Not a string: SET NX leaves it alone and GET answers WRONGTYPE.
    await redis.rpush(deliveryKey(prefix, "github", bad), "not a claim");
    expect(await deliveries.claim("github", confirmed)).toBe("new");
    const results = await Promise.allSettled([
      deliveries.claim("github", good),
      deliveries.claim("github", bad),
      deliveries.confirm("github", confirmed),
    ]);
    expect(results[0]).toEqual({ status: "fulfilled", value: "new" });
    const refused = results[1];
    expect(refused.status).toBe("rejected");
    expect(refused.status === "rejected" && String(refused.reason)).toMatch(/refused by Redis/);
    expect(results[2].status).toBe("fulfilled");
    expect(await redis.get(deliveryKey(prefix, "github", good))).toBe("pending");
    expect(await redis.get(deliveryKey(prefix, "github", confirmed))).toBe("done");
    expect(await redis.lrange(deliveryKey(prefix, "github", bad), 0, -1)).toEqual(["not a claim"]);
  });

  it("a claim is short-lived, a confirm keeps it 72 h, a release frees it", async () => {
    const { redis, prefix, ledger: deliveries } = ledger();
    const [kept, released] = [randomUUID(), randomUUID()];
    const key = deliveryKey(prefix, "github", kept);
    expect(await deliveries.claim("github", kept)).toBe("new");
    expect(await redis.get(key)).toBe("pending");
    expect(await redis.ttl(key)).toBeLessThanOrEqual(30);
    await deliveries.confirm("github", kept);
    expect(await redis.get(key)).toBe("done");
    expect(await redis.ttl(key)).toBeGreaterThan(deliveryRetentionSeconds - 60);
    expect(await deliveries.claim("github", kept)).toBe("done");

    expect(await deliveries.claim("github", released)).toBe("new");
    await deliveries.release("github", released);
    expect(await deliveries.claim("github", released)).toBe("new");
    await redis.del(key, deliveryKey(prefix, "github", released));
  });
});
