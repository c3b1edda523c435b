// Against Debian's real docker-registry on loopback: its notifications parse and verify as Ferry
// reads them, its tag lists are followed page by page (10,000 tags), the newest tag a policy
// takes is found with its digest and source labels, and a multi-platform index is refused.
import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registrySchema } from "../../../src/config/schema.ts";
import { isAppError, toAppError } from "../../../src/errors.ts";
import { followedPushes } from "../../../src/images/notifications.ts";
import { distributionPushes, verifyBearer } from "../../../src/images/notifications/distribution.ts";
import { newestTag } from "../../../src/images/policy.ts";
import { RegistryClient } from "../../../src/images/registry.ts";
import { webImage } from "../../support/images.ts";
import { freePort } from "../../support/ports.ts";
import { waitFor } from "../../support/process.ts";
import { startRegistry, type TestRegistry } from "../../support/registry.ts";

const TOKEN = "registry-notify-token";
const web = webImage({ registry: "local" });

interface Delivery {
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

let registry: TestRegistry;
let client: RegistryClient;
let receiver: Server;
const deliveries: Delivery[] = [];

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

beforeAll(async () => {
  // Stands where Ferry's receiver will: records what the registry really sends.
  receiver = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      deliveries.push({
        authorization: request.headers.authorization,
        contentType: request.headers["content-type"],
        body,
      });
      response.writeHead(200).end();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => receiver.listen(port, "127.0.0.1", resolve));
  registry = await startRegistry({ url: `http://127.0.0.1:${port}/webhooks/local`, token: TOKEN });
  client = new RegistryClient(
    registrySchema.parse({ name: "local", type: "distribution", url: registry.url }),
  );
}, 60_000);

afterAll(async () => {
  await registry?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

/** The pushes of `web` in everything the registry has notified so far. */
function notifiedPushes() {
  return deliveries.flatMap((delivery) => {
    verifyBearer(delivery.authorization, TOKEN);
    return followedPushes(distributionPushes(JSON.parse(delivery.body)), "local", [web]).pushed;
  });
}

describe("a real CNCF Distribution registry", () => {
  it("notifies a tagged push with a bearer token, its repository, tag and digest", async () => {
    const digest = await registry.push("acme/web", "1.2.0", {
      "org.opencontainers.image.source": "https://github.com/acme/web",
      "org.opencontainers.image.revision": "0123456789abcdef0123456789abcdef01234567",
    });
    await waitFor(
      "the registry's notification of 1.2.0",
      () => notifiedPushes().some((p) => p.tag === "1.2.0"),
      {
        timeoutMs: 30_000,
      },
    );
    const pushes = notifiedPushes().filter((p) => p.tag === "1.2.0");
    expect(pushes.map(({ image, repository, tag, digest }) => ({ image, repository, tag, digest }))).toEqual([
      { image: "web", repository: "acme/web", tag: "1.2.0", digest },
    ]);
    expect(deliveries[0]?.contentType).toContain("application/vnd.docker.distribution.events.v1+json");
    // The same delivery with another token is refused.
    expect(() => verifyBearer(deliveries[0]?.authorization?.replace(TOKEN, "guess"), TOKEN)).toThrow(
      /does not match/,
    );
    expect(() => verifyBearer(undefined, TOKEN)).toThrow(/missing/);
  });

  it("finds the newest tag in the range by listing tags, with its digest and source labels", async () => {
    const newest = await registry.push("acme/web", "1.3.0", {
      "org.opencontainers.image.source": "https://github.com/acme/web",
      "org.opencontainers.image.revision": "fedcba9876543210fedcba9876543210fedcba98",
    });
    await registry.push("acme/web", "2.0.0");
    const tags = await client.tags("acme/web");
    expect(tags.sort()).toEqual(["1.2.0", "1.3.0", "2.0.0"]);
    expect(newestTag(web.policy, tags)).toBe("1.3.0");
    expect(await client.image("acme/web", "1.3.0")).toEqual({
      digest: newest,
      labels: {
        "org.opencontainers.image.source": "https://github.com/acme/web",
        "org.opencontainers.image.revision": "fedcba9876543210fedcba9876543210fedcba98",
      },
    });
  });

  it("refuses a multi-platform index with a clear error, and its notification is not an image push", async () => {
    await registry.pushIndex("acme/web", "1.4.0");
    const refused = await client.image("acme/web", "1.4.0").catch((error: unknown) => error);
    expect(isAppError(refused, "IMAGE_REFUSED")).toBe(true);
    expect((refused as Error).message).toMatch(/acme\/web:1\.4\.0 is a multi-platform index/);
    await waitFor(
      "the registry's notification of 1.4.0",
      () => deliveries.some((d) => d.body.includes('"1.4.0"')),
      {
        timeoutMs: 30_000,
      },
    );
    const ignored = deliveries.flatMap(
      (d) => followedPushes(distributionPushes(JSON.parse(d.body)), "local", [web]).ignored,
    );
    expect(ignored.map((i) => i.reason)).toContain(
      'acme/web:"1.4.0" is a application/vnd.oci.image.index.v1+json push, not one image',
    );
    expect(notifiedPushes().some((p) => p.tag === "1.4.0")).toBe(false);
  });

  it("reads a tag that does not resolve (yet) as a failure worth another attempt", async () => {
    // docker-registry lists a tag and notifies its push before the tag's link is written: the
    // manifest can answer 404 for a moment. The image job is retried rather than given up.
    const missing = await client.image("acme/web", "9.9.9").catch((error: unknown) => error);
    expect(isAppError(missing, "REGISTRY_FAILED")).toBe(true);
    expect(toAppError(missing).retryable).toBe(true);
    expect((missing as Error).message).toContain("GET /v2/acme/web/manifests/9.9.9: 404");
  });

  it("follows the tag list's Link pages through 10,000 tags", { timeout: 600_000 }, async () => {
    const digest = await registry.push("acme/many", "base");
    const tags = Array.from({ length: 10_000 }, (_, i) => `build-${i}`);
    await registry.tagMany("acme/many", digest, tags);
    const listed = await client.tags("acme/many");
    expect(listed.length).toBe(10_001);
    expect(new Set(listed)).toEqual(new Set([...tags, "base"]));
    const numbered = { pattern: "^build-(?<n>[0-9]+)$", order: "numeric" as const };
    expect(newestTag(numbered, listed)).toBe("build-9999");
  });
});
