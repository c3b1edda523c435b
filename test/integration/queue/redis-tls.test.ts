// Ferry's Redis connections with TLS and an ACL user, against a real redis-server started with
// TLS (certificates made here with openssl) and the default user switched off: the configured
// CA, user and password get a connection; a missing CA, a wrong password or plain redis:// do not.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, type RedisConnection, type RedisClient } from "../../../src/queue/connection.ts";
import { freePort } from "../../support/ports.ts";
import { startProcess, waitFor, type ManagedProcess } from "../../support/process.ts";

const run = promisify(execFile);
const openssl = (dir: string, ...args: string[]) => run("openssl", args, { cwd: dir });

/** A CA and a server certificate for 127.0.0.1 signed by it. */
async function makeCertificates(dir: string): Promise<void> {
  await openssl(
    dir,
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=ferry-test-ca",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  await openssl(
    dir,
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  );
  await writeFile(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "san.ext",
    "-out",
    "server.pem",
  );
}

/** Connects once, without retries, and says PONG or why not. */
async function ping(config: RedisConnection): Promise<string> {
  const redis: RedisClient = createRedis(config, "worker", { lazyConnect: true, retryStrategy: () => null });
  const errors: string[] = [];
  redis.on("error", (error: Error) => errors.push(error.message));
  try {
    await redis.connect();
    return await redis.ping();
  } catch (error) {
    return [error instanceof Error ? error.message : String(error), ...errors].join(" | ");
  } finally {
    redis.disconnect();
  }
}

describe("Redis with TLS and an ACL user", () => {
  let dir: string;
  let server: ManagedProcess;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ferry-redis-tls-"));
    await makeCertificates(dir);
    port = await freePort();
    server = startProcess("redis-server", "redis-server", [
      "--port",
      "0",
      "--tls-port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--tls-cert-file",
      join(dir, "server.pem"),
      "--tls-key-file",
      join(dir, "server.key"),
      "--tls-ca-cert-file",
      join(dir, "ca.pem"),
      "--tls-auth-clients",
      "no",
      "--user",
      "default",
      "off",
      "--user",
      "ferry-worker",
      "on",
      ">worker-password",
      "~*",
      "&*",
      "+@all",
    ]);
    const config = {
      url: `rediss://127.0.0.1:${port}`,
      username: "ferry-worker",
      password: "worker-password",
    };
    const tls = { ca: join(dir, "ca.pem") };
    await waitFor("redis-server with TLS", async () => (await ping({ ...config, tls })) === "PONG", {
      timeoutMs: 15_000,
      describe: () => server.tail(),
    });
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("connects with the CA bundle, the user and the password", async () => {
    const url = `rediss://127.0.0.1:${port}`;
    expect(
      await ping({
        url,
        username: "ferry-worker",
        password: "worker-password",
        tls: { ca: join(dir, "ca.pem") },
      }),
    ).toBe("PONG");
    // The same credentials in the URL work too; the config's fields win over the URL's.
    expect(
      await ping({
        url: `rediss://ferry-worker:worker-password@127.0.0.1:${port}`,
        tls: { ca: join(dir, "ca.pem") },
      }),
    ).toBe("PONG");
    expect(
      await ping({
        url: `rediss://ferry-worker:wrong@127.0.0.1:${port}`,
        password: "worker-password",
        tls: { ca: join(dir, "ca.pem") },
      }),
    ).toBe("PONG");
  });

  it("refuses a server whose CA it was not given, a wrong password, and plain text", async () => {
    const url = `rediss://127.0.0.1:${port}`;
    expect(await ping({ url, username: "ferry-worker", password: "worker-password" })).toMatch(
      /self-signed certificate|unable to verify|certificate/i,
    );
    expect(
      await ping({ url, username: "ferry-worker", password: "nope", tls: { ca: join(dir, "ca.pem") } }),
    ).toMatch(/WRONGPASS/);
    expect(await ping({ url, tls: { ca: join(dir, "ca.pem") } })).toMatch(
      /NOAUTH|NOPERM|WRONGPASS|disabled/i,
    );
    expect(
      await ping({ url: `redis://127.0.0.1:${port}`, username: "ferry-worker", password: "worker-password" }),
    ).not.toBe("PONG");
  });

  it("names the file when the CA bundle cannot be read", () => {
    expect(() =>
      createRedis({ url: `rediss://127.0.0.1:${port}`, tls: { ca: join(dir, "missing.pem") } }, "worker", {
        lazyConnect: true,
      }),
    ).toThrow(`redis.tls.ca: cannot read ${join(dir, "missing.pem")} (ENOENT)`);
  });
});
