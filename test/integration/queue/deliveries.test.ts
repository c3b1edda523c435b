// The delivery ledger sends the claims (and confirms) that arrive together as one script run:
// each key must still behave as if its SET ran alone, in arrival order. A claim tells a new
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
