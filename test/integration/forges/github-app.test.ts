// GitHub App mode against the fake: the fake verifies the App's JWT with the App's public key,
// hands out installation tokens that live two seconds, and refuses expired tokens and tokens
// of another installation. Two organisations install the App: each repository's calls must
// carry its own installation's token, and no call may ever be refused.
import { setTimeout as delay } from "node:timers/promises";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import type { ForgeConfig } from "../../../src/config/schema.ts";
import { isAppError } from "../../../src/errors.ts";
import { createForge, type Forge } from "../../../src/forges/index.ts";
import { repoLocation } from "../../../src/runtime/locations.ts";
import { FakeGithub } from "../../support/fakes/github.ts";

const ACME = 11;
const GLOBEX = 22;
const fast = { retryUnitMs: 5, writeIntervalMs: 0 };

function appForge(fake: FakeGithub, privateKey = fake.app?.privateKeyPem ?? ""): ForgeConfig {
  return {
    name: "gh",
    type: "github",
    apiUrl: fake.url,
    insecureAcceptUnsigned: false,
    app: { id: 4242, privateKey, renewBefore: 300_000 },
  };
}

describe("GitHub App authentication", () => {
  let fake: FakeGithub;
  let forge: Forge;
  let registry: Registry;

  beforeEach(async () => {
    fake = await FakeGithub.start({
      app: {
        id: 4242,
        slug: "ferry-acme",
        tokenTtlMs: 2_000,
        installations: [
          { id: ACME, account: "acme" },
          { id: GLOBEX, account: "globex" },
        ],
      },
    });
    fake.seedPull("acme/shop", { number: 1, headSha: "a".repeat(40) });
    fake.seedPull("globex/web", { number: 2, headSha: "b".repeat(40) });
    registry = new Registry();
    forge = createForge(appForge(fake), { ...fast, registry });
  });

  afterEach(async () => {
    fake.assertNoUnexpected();
    await fake.close();
  });

  it("uses each repository's own installation token, renewed before expiry, over several lifetimes", async () => {
    const issuedFor = (installation: number) =>
      [...(fake.app?.tokens.values() ?? [])].filter((token) => token.installation === installation).length;
    // Keep working until both installations went through six tokens: three lifetimes of 2 s tokens.
    const deadline = Date.now() + 30_000;
    while ((issuedFor(ACME) < 6 || issuedFor(GLOBEX) < 6) && Date.now() < deadline) {
      await forge.getChangeRequest({ repo: "acme/shop", number: 1 });
      await forge.setStatus("globex/web", {
        sha: "b".repeat(40),
        context: "ferry/preview",
        state: "pending",
        description: "…",
      });
      await delay(100);
    }
    expect(issuedFor(ACME)).toBeGreaterThanOrEqual(6);
    expect(issuedFor(GLOBEX)).toBeGreaterThanOrEqual(6);
    fake.assertNoRefused();

    for (const call of fake.callsTo("getPull")) expect(fake.installationOfCall(call)).toBe(ACME);
    for (const call of fake.callsTo("createStatus")) expect(fake.installationOfCall(call)).toBe(GLOBEX);
    // The installation of a repository is looked up once, not per call.
    expect(fake.callsTo("getRepoInstallation").map((call) => call.path)).toEqual([
      "/repos/acme/shop/installation",
      "/repos/globex/web/installation",
    ]);
    // Tokens are only asked for when due, not per call.
    expect(issuedFor(ACME)).toBeLessThan(fake.callsTo("getPull").length);

    const metrics = await registry.getSingleMetricAsString("ferry_forge_ratelimit_remaining");
    expect(metrics).toBeDefined();
  });

  it("hands git the installation token of the repository, never in the URL", async () => {
    const config = appForge(fake);
    const location = repoLocation({ repo: "globex/web" }, config, forge);
    expect(location.url).toBe(`${fake.url}/globex/web.git`);
    expect(typeof location.token).toBe("function");
    const token = typeof location.token === "function" ? await location.token() : "";
    expect(fake.app?.installationOfToken(token)).toBe(GLOBEX);
    expect(location.url).not.toContain(token);
  });

  it("records the remaining quota per installation", async () => {
    await forge.getChangeRequest({ repo: "acme/shop", number: 1 });
    // The fake sends no x-ratelimit-* headers unless told to; inject one answer that does.
    fake.inject("getPull", 1, {
      status: 200,
      headers: { "x-ratelimit-remaining": "4321", "x-ratelimit-limit": "5000" },
      body: { number: 2, state: "open", merged_at: null, head: { sha: "b".repeat(40) } },
    });
    await forge.getChangeRequest({ repo: "globex/web", number: 2 });
    const metric = await registry.getSingleMetric("ferry_forge_ratelimit_remaining")?.get();
    expect(metric?.values).toContainEqual({
      labels: { forge: "gh", installation: String(GLOBEX) },
      value: 4321,
    });
  });

  it("is refused by the fake when the JWT is signed with another key", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const wrong = createForge(
      appForge(fake, privateKey.export({ type: "pkcs1", format: "pem" }).toString()),
      fast,
    );
    const error = await wrong.getChangeRequest({ repo: "acme/shop", number: 1 }).catch((e: unknown) => e);
    expect(isAppError(error, "FORGE_API_FAILED")).toBe(true);
    expect((error as Error).message).toMatch(/401: A JSON web token could not be decoded/);
    expect(fake.app?.refused).toHaveLength(1);
    fake.app?.refused.splice(0);
  });

  it("says the App is not installed when no installation covers the repository", async () => {
    fake.seedPull("initech/tps", { number: 3, headSha: "c".repeat(40) });
    const error = await forge.getChangeRequest({ repo: "initech/tps", number: 3 }).catch((e: unknown) => e);
    expect(isAppError(error, "FORGE_API_FAILED")).toBe(true);
    expect((error as Error).message).toContain("not installed on initech/tps");
    expect((error as { retryable: boolean }).retryable).toBe(false);
  });

  it("the fake refuses an expired token and another installation's token", async () => {
    const app = fake.app;
    if (!app) throw new Error("app mode");
    const acmeToken = app.issueToken(ACME)?.token ?? "";
    const other = await fetch(`${fake.url}/repos/globex/web/pulls/2`, {
      headers: { authorization: `token ${acmeToken}` },
    });
    expect(other.status).toBe(404);
    const own = await fetch(`${fake.url}/repos/acme/shop/pulls/1`, {
      headers: { authorization: `token ${acmeToken}` },
    });
    expect(own.status).toBe(200);
    const expiresAt = app.tokens.get(acmeToken)?.expiresAt ?? 0;
    await delay(Math.max(0, expiresAt - Date.now() + 10));
    const expired = await fetch(`${fake.url}/repos/acme/shop/pulls/1`, {
      headers: { authorization: `token ${acmeToken}` },
    });
    expect(expired.status).toBe(401);
    expect(app.refused).toHaveLength(2);
    app.refused.splice(0);
  });
});

describe("app configuration", () => {
  const base = { webhookSecret: "s", name: "gh", type: "github" };

  it("reads the key from privateKeyFile or privateKey, and wants exactly one of them and no token", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-app-key-"));
    try {
      const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
      const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
      await writeFile(join(dir, "key.pem"), pem);
      const fromFile = parseConfig({
        forges: [{ ...base, app: { id: 1, privateKeyFile: join(dir, "key.pem") } }],
      });
      expect(createForge(fromFile.forges[0] as ForgeConfig).type).toBe("github");
      expect(() => parseConfig({ forges: [{ ...base, app: { id: 1 } }] })).toThrow(
        /set exactly one of privateKey and privateKeyFile/,
      );
      expect(() =>
        parseConfig({ forges: [{ ...base, token: "t", app: { id: 1, privateKey: pem } }] }),
      ).toThrow(/either token or app/);
      const bad = parseConfig({ forges: [{ ...base, app: { id: 1, privateKey: "not a key" } }] });
      expect(() => createForge(bad.forges[0] as ForgeConfig)).toThrow(/not a PEM private key/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
