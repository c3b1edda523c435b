import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../../src/config/load.ts";
import { isAppError } from "../../../src/errors.ts";

const example = readFileSync(new URL("../../../examples/ferry.yaml", import.meta.url), "utf8");
const env = {
  GITHUB_TOKEN: "t1",
  GITHUB_WEBHOOK_SECRET: "s1",
  GITLAB_TOKEN: "t2",
  GITLAB_WEBHOOK_SECRET: "s2",
};

function problemOf(text: string, environment: NodeJS.ProcessEnv = env): string {
  try {
    parseConfigText(text, environment, "ferry.yaml");
  } catch (error) {
    if (isAppError(error, "CONFIG_INVALID")) return error.message;
    throw error;
  }
  throw new Error("expected the configuration to be rejected");
}

describe("ferry.yaml", () => {
  it("accepts the example and fills defaults", () => {
    const config = parseConfigText(example, env);
    expect(config.apps[0]?.sync.healthTimeout).toBe(300_000);
    expect(config.apps[0]?.sync.interval).toBe(180_000);
    expect(config.apps[0]?.sync.pruneBudget).toBe(0.5);
    expect(config.forges[0]).toMatchObject({ type: "github", token: "t1", webhookSecret: "s1" });
    expect(config.redis.url).toBe("redis://127.0.0.1:6379");
    expect(config.server.port).toBe(8080);
  });

  it("takes ${NAME:-default} from the environment when set", () => {
    const config = parseConfigText(example, { ...env, REDIS_URL: "redis://10.0.0.1:6380" });
    expect(config.redis.url).toBe("redis://10.0.0.1:6380");
  });

  const broken: Array<[string, string, string]> = [
    [
      "an unknown cluster",
      example.replace("cluster: prod, namespace", "cluster: prd, namespace"),
      'apps[0].destination.cluster: unknown cluster "prd"',
    ],
    [
      "an unknown forge",
      example.replace("forge: github", "forge: gitea"),
      'apps[0].forge: unknown forge "gitea"',
    ],
    [
      "a bad duration",
      example.replace("healthTimeout: 5m", "healthTimeout: 5 minutes"),
      "apps[0].sync.healthTimeout: invalid duration",
    ],
    [
      "a bad source type",
      example.replace("source: { type: auto }", "source: { type: jsonnet }"),
      "apps[0].source.type:",
    ],
    [
      "a relative JSON pointer",
      example.replace("jsonPointers: [/spec/replicas]", "jsonPointers: [spec/replicas]"),
      "apps[0].ignoreDifferences[0].jsonPointers[0]:",
    ],
    [
      "a missing variable",
      example,
      "forges[1].webhookSecret: environment variable GITLAB_WEBHOOK_SECRET is not set",
    ],
    [
      "an unknown key",
      example.replace("branch: main", "branch: main\n    brnach: dev"),
      "apps[0]: Unrecognized key",
    ],
    [
      "a missing webhook secret",
      example.replace("    webhookSecret: ${GITHUB_WEBHOOK_SECRET}\n", ""),
      "forges[0].webhookSecret: required",
    ],
  ];

  it.each(broken)("rejects %s naming the path", (_what, text, expected) => {
    const environment = expected.includes("GITLAB_WEBHOOK_SECRET")
      ? { ...env, GITLAB_WEBHOOK_SECRET: undefined }
      : env;
    expect(problemOf(text, environment)).toContain(expected);
  });

  it("reports invalid YAML with its line", () => {
    expect(problemOf("apps: [\n  - name: x\n")).toContain("invalid YAML at line 2, column 3: missed comma");
  });

  it("accepts insecureAcceptUnsigned instead of a secret", () => {
    const text = example.replace(
      "    webhookSecret: ${GITHUB_WEBHOOK_SECRET}\n",
      "    insecureAcceptUnsigned: true\n",
    );
    expect(parseConfigText(text, env).forges[0]?.insecureAcceptUnsigned).toBe(true);
  });
});

describe("ferry.yaml per role", () => {
  const webhookSecrets = { GITHUB_WEBHOOK_SECRET: "s1", GITLAB_WEBHOOK_SECRET: "s2" };
  const tokens = { GITHUB_TOKEN: "t1", GITLAB_TOKEN: "t2" };

  it("loads for the receiver with webhook secrets only, and drops tokens and cluster credentials", () => {
    const config = parseConfigText(example, webhookSecrets, "ferry.yaml", "receiver");
    expect(config.forges.map((forge) => [forge.webhookSecret, forge.token])).toEqual([
      ["s1", undefined],
      ["s2", undefined],
    ]);
    expect(config.clusters).toEqual([{ name: "prod", inCluster: false }]);
    // The same environment is not enough for the other roles.
    expect(problemOf(example, webhookSecrets)).toContain("environment variable GITHUB_TOKEN is not set");
  });

  it("loads for workers with tokens only, and drops the webhook secrets", () => {
    const config = parseConfigText(example, tokens, "ferry.yaml", "worker");
    expect(config.forges.map((forge) => [forge.token, forge.webhookSecret])).toEqual([
      ["t1", undefined],
      ["t2", undefined],
    ]);
    expect(config.clusters[0]).toMatchObject({ kubeconfig: "/etc/ferry/kubeconfig", context: "prod" });
    expect(problemOf(example, tokens)).toContain("environment variable GITHUB_WEBHOOK_SECRET is not set");
  });

  it("still checks what the role uses", () => {
    const unsigned = example.replace("    webhookSecret: ${GITHUB_WEBHOOK_SECRET}\n", "");
    expect(() => parseConfigText(unsigned, webhookSecrets, "ferry.yaml", "receiver")).toThrow(
      "forges[0].webhookSecret: required",
    );
    const noCredentials = example.replace(
      "kubeconfig: /etc/ferry/kubeconfig, context: prod",
      "inCluster: false",
    );
    expect(() => parseConfigText(noCredentials, tokens, "ferry.yaml", "worker")).toThrow(
      "clusters[0]: needs kubeconfig or inCluster: true",
    );
  });
});

describe("ferry.yaml redis", () => {
  const withRedis = (redis: string) => example.replace(/^redis: .*$/m, `redis: ${redis}`);

  it("takes an ACL user, a password and TLS files", () => {
    const config = parseConfigText(
      withRedis(
        '{ url: "rediss://redis.internal:6380/2", username: ferry-worker, password: "${REDIS_PASSWORD}", tls: { ca: /etc/ferry/redis-ca.pem } }',
      ),
      { ...env, REDIS_PASSWORD: "pw" },
    );
    expect(config.redis).toEqual({
      url: "rediss://redis.internal:6380/2",
      prefix: "ferry",
      username: "ferry-worker",
      password: "pw",
      tls: { ca: "/etc/ferry/redis-ca.pem" },
    });
  });

  it("refuses TLS settings on a redis:// URL and URLs of other schemes", () => {
    expect(problemOf(withRedis("{ url: redis://r:6379, tls: { ca: /ca.pem } }"))).toContain(
      "redis.tls: needs a rediss:// URL",
    );
    expect(problemOf(withRedis("{ url: http://r:6379 }"))).toContain(
      "redis.url: must start with redis:// or rediss://",
    );
  });

  it("takes Sentinel: the master's name, the sentinels and their own credentials", () => {
    const config = parseConfigText(
      withRedis(
        '{ sentinel: { masterName: ferry, nodes: ["10.0.0.1:26379", "[::1]:26380"], password: "${SENTINEL_PASSWORD}" }, password: "${REDIS_PASSWORD}" }',
      ),
      { ...env, REDIS_PASSWORD: "pw", SENTINEL_PASSWORD: "spw" },
    );
    expect(config.redis).toMatchObject({
      sentinel: { masterName: "ferry", nodes: ["10.0.0.1:26379", "[::1]:26380"], password: "spw" },
      password: "pw",
      prefix: "ferry",
    });
  });

  it("takes Cluster with a hash-tagged prefix and refuses one without (CROSSSLOT otherwise)", () => {
    const config = parseConfigText(
      withRedis('{ cluster: { nodes: ["a:7000", "b:7000"] }, prefix: "{ferry}" }'),
      env,
    );
    expect(config.redis).toMatchObject({ cluster: { nodes: ["a:7000", "b:7000"] }, prefix: "{ferry}" });
    expect(problemOf(withRedis('{ cluster: { nodes: ["a:7000"] } }'))).toContain(
      'redis.prefix: needs a {hash tag} on Redis Cluster, e.g. "{ferry}"',
    );
  });

  it("refuses two topologies at once and nodes that are not host:port", () => {
    expect(
      problemOf(withRedis('{ url: "redis://r:6379", sentinel: { masterName: m, nodes: ["s:26379"] } }')),
    ).toContain("set one of url, sentinel and cluster");
    expect(
      problemOf(
        withRedis(
          '{ sentinel: { masterName: m, nodes: ["s:1"] }, cluster: { nodes: ["c:1"] }, prefix: "{f}" }',
        ),
      ),
    ).toContain("set one of url, sentinel and cluster");
    expect(problemOf(withRedis('{ cluster: { nodes: ["redis://c:7000"] }, prefix: "{f}" }'))).toContain(
      "redis.cluster.nodes[0]: must be host:port",
    );
  });
});

describe("ferry.yaml image policies", () => {
  const base = [
    "forges: [{ name: gh, type: github, webhookSecret: s }]",
    "clusters: [{ name: c, inCluster: true }]",
    "apps: [{ name: web, forge: gh, repo: o/r, destination: { cluster: c, namespace: n } }]",
    "registries: [{ name: harbor, type: distribution, url: 'https://harbor.example.com', webhookSecret: '${HARBOR_TOKEN}', password: '${HARBOR_PASSWORD}' }]",
  ].join("\n");
  const images = (image: string) => `${base}\nimages: [${image}]\n`;
  const good =
    "{ name: web, registry: harbor, repository: acme/web, policy: { semver: '>=1.0.0 <2.0.0' }, apps: [web] }";

  it("loads a policy with its defaults, and gives each role only its registry secrets", () => {
    const all = { HARBOR_TOKEN: "tok", HARBOR_PASSWORD: "pw" };
    const config = parseConfigText(images(good), all);
    expect(config.images).toEqual([
      {
        name: "web",
        registry: "harbor",
        repository: "acme/web",
        policy: { semver: ">=1.0.0 <2.0.0" },
        apps: ["web"],
        pinDigest: false,
        autoMerge: false,
      },
    ]);
    expect(config.registries[0]?.pollInterval).toBe(300_000);
    const receiver = parseConfigText(images(good), { HARBOR_TOKEN: "tok" }, "ferry.yaml", "receiver");
    expect([receiver.registries[0]?.webhookSecret, receiver.registries[0]?.password]).toEqual([
      "tok",
      undefined,
    ]);
    const worker = parseConfigText(images(good), { HARBOR_PASSWORD: "pw" }, "ferry.yaml", "worker");
    expect([worker.registries[0]?.webhookSecret, worker.registries[0]?.password]).toEqual([undefined, "pw"]);
  });

  it("refuses a registry named like a forge: both receive at /webhooks/<name>", () => {
    const all = { HARBOR_TOKEN: "tok", HARBOR_PASSWORD: "pw" };
    expect(
      problemOf(
        images(good).replace("name: harbor,", "name: gh,").replace("registry: harbor", "registry: gh"),
        all,
      ),
    ).toContain('registries[0].name: "gh" is also a forge\'s name');
  });

  it("takes a Docker Hub URL token only when it needs no escaping and is long enough to be unguessable", () => {
    const hub = (token: string) =>
      images(good)
        .replace("type: distribution", "type: dockerhub")
        .replace("'${HARBOR_TOKEN}'", `'${token}'`);
    expect(parseConfigText(hub("0123456789abcdef-_.~"), { HARBOR_PASSWORD: "pw" }).registries[0]?.type).toBe(
      "dockerhub",
    );
    const problem = "registries[0].webhookSecret: a dockerhub token goes in the webhook URL";
    expect(problemOf(hub("0123456789abcdef&x=1"), { HARBOR_PASSWORD: "pw" })).toContain(problem);
    expect(problemOf(hub("short"), { HARBOR_PASSWORD: "pw" })).toContain(problem);
  });

  it("names an unknown registry or app, a bad range or pattern, and a bad repository", () => {
    const all = { HARBOR_TOKEN: "tok", HARBOR_PASSWORD: "pw" };
    const problem = (image: string) => problemOf(images(image), all);
    expect(problem(good.replace("registry: harbor", "registry: dockerhub"))).toContain(
      'images[0].registry: unknown registry "dockerhub"',
    );
    expect(problem(good.replace("apps: [web]", "apps: [web, api]"))).toContain(
      'images[0].apps[1]: unknown app "api"',
    );
    expect(problem(good.replace(">=1.0.0 <2.0.0", "newest please"))).toContain(
      'images[0].policy: "newest please" is not a semver range',
    );
    expect(problem(good.replace("{ semver: '>=1.0.0 <2.0.0' }", "{ pattern: '^main-(' }"))).toContain(
      'images[0].policy: "^main-(" is not a regular expression',
    );
    expect(problem(good.replace("acme/web", "Acme/Web;rm"))).toContain(
      "images[0].repository: must be a registry",
    );
  });
});
