// The schema of ferry.yaml (docs/configuration.md). Defaults live here so that the rest of the code
// reads a complete, typed configuration and never re-checks optional fields. Each default is
// written once, on its field: an omitted section is `.prefault({})`, i.e. parsed from `{}`, so it
// gets its fields' defaults instead of a literal that repeats them.
import { z } from "zod";
import { githubPermissions, gitlabPermissions } from "../forges/permissions.ts";
import { DEFAULT_KEY_PREFIX, keyPrefixSchema } from "../keys.ts";
import { healthRuleSchema } from "../health/rules/compile.ts";
import { durationSchema } from "./duration.ts";

const name = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label: lowercase letters, digits and '-'");

const webhookFields = {
  name,
  token: z.string().min(1).optional(),
  webhookSecret: z.string().min(1).optional(),
  /** Accept unsigned webhooks: only for local demos; every request then logs a warning. */
  insecureAcceptUnsigned: z.boolean().default(false),
};

/** Who may run `/ferry` commands (unset: src/forges/permissions.ts defaultMinPermission). */
const forgeCommands = <T extends readonly [string, ...string[]]>(levels: T) =>
  z.strictObject({ minPermission: z.enum(levels).optional() }).optional();

/**
 * A GitHub App instead of a token: Ferry signs a JWT with the App's key and trades it for a
 * short-lived token of the installation that covers each repository.
 */
export const githubAppSchema = z
  .strictObject({
    id: z.union([z.number().int().positive(), z.string().regex(/^\d+$/, "must be the App's numeric id")]),
    privateKey: z.string().min(1).optional(),
    privateKeyFile: z.string().min(1).optional(),
    /** Installation tokens left with less than this are renewed before the next call. */
    renewBefore: durationSchema.default(300_000),
  })
  .refine((app) => (app.privateKey === undefined) !== (app.privateKeyFile === undefined), {
    message: "set exactly one of privateKey and privateKeyFile",
  });

export const githubForgeSchema = z
  .strictObject({
    ...webhookFields,
    type: z.literal("github"),
    apiUrl: z.url().default("https://api.github.com"),
    app: githubAppSchema.optional(),
    commands: forgeCommands(githubPermissions),
    /**
     * Requests per installation (or token) kept for deploys and commands: once fewer remain in
     * the window, previews wait for the window to reset instead of spending them (unset: 500,
     * see src/preview/quota.ts).
     */
    rateLimit: z.strictObject({ previewReserve: z.number().int().nonnegative().optional() }).optional(),
  })
  .refine((forge) => !(forge.token && forge.app), {
    message: "set either token or app, not both",
    path: ["app"],
  });

export const gitlabForgeSchema = z.strictObject({
  ...webhookFields,
  type: z.literal("gitlab"),
  url: z.url().default("https://gitlab.com"),
  commands: forgeCommands(gitlabPermissions),
});

export const forgeSchema = z.discriminatedUnion("type", [githubForgeSchema, gitlabForgeSchema]);

export const clusterSchema = z.strictObject({
  name,
  kubeconfig: z.string().min(1).optional(),
  context: z.string().min(1).optional(),
  inCluster: z.boolean().default(false),
});

export const sourceSchema = z.strictObject({
  type: z.enum(["auto", "plain", "kustomize", "helm"]).default("auto"),
  recurse: z.boolean().default(false),
  valueFiles: z.array(z.string().min(1)).default([]),
  values: z.record(z.string(), z.unknown()).default({}),
  releaseName: z.string().min(1).optional(),
});

export const syncSchema = z.strictObject({
  auto: z.boolean().default(true),
  prune: z.boolean().default(true),
  selfHeal: z.boolean().default(true),
  rollback: z.boolean().default(true),
  openRevert: z.boolean().default(false),
  force: z.boolean().default(true),
  healthTimeout: durationSchema.default(300_000),
  interval: durationSchema.default(180_000),
  /** Largest share of the inventory one sync may prune, 0..1. */
  pruneBudget: z.number().min(0).max(1).default(0.5),
  allowPrune: z.array(z.enum(["Namespace", "CustomResourceDefinition", "PersistentVolumeClaim"])).default([]),
  /** Where the app's inventory ConfigMap lives; the destination namespace when unset. */
  inventoryNamespace: name.optional(),
});

export const ignoreDifferenceSchema = z.strictObject({
  group: z.string().optional(),
  kind: z.string().min(1),
  name: z.string().optional(),
  namespace: z.string().optional(),
  jsonPointers: z.array(z.string().startsWith("/")).min(1),
});

/** A group/kind pattern of a project's lists; `*` in either matches anything. */
export const kindRuleSchema = z.strictObject({
  group: z.string(),
  kind: z.string().min(1),
});

// Namespace globs may use `*` (any run of characters) and `?` (one character) between the
// characters a namespace can hold; anything else could never match a namespace.
const namespaceGlob = z
  .string()
  .regex(
    /^[a-z0-9*?-]{1,63}$/,
    "must be a namespace name or a glob of one (letters a-z, digits, '-', '*', '?')",
  );

export const projectDestinationSchema = z.strictObject({
  /** A `clusters[].name`, or a glob of such names. */
  cluster: z.string().min(1),
  namespace: namespaceGlob,
  /** Every request for the app is made as this ServiceAccount of its destination namespace. */
  serviceAccount: name.optional(),
});

export const projectSchema = z.strictObject({
  name,
  destinations: z.array(projectDestinationSchema).min(1, "must list at least one destination"),
  /** Cluster-scoped kinds the apps may render; none unless listed. */
  clusterResources: z.array(kindRuleSchema).default([]),
  /** Namespaced kinds the apps may not render. */
  namespacedResourcesDenied: z.array(kindRuleSchema).default([]),
  /** Whether `/ferry` commands may deploy the project's apps. */
  allowCommands: z.boolean().default(true),
  /** Whether apply may take over live objects that carry another app's tracking annotation. */
  allowAdoption: z.boolean().default(false),
});

export const appSchema = z.strictObject({
  name,
  /** A `projects[].name`; unset: a built-in project of the destination namespace alone. */
  project: z.string().min(1).optional(),
  forge: z.string().min(1),
  repo: z.string().regex(/^[\w.-]+(\/[\w.-]+)+$/, "must be owner/name or a GitLab path_with_namespace"),
  repoUrl: z.string().min(1).optional(),
  branch: z.string().min(1).default("main"),
  path: z.string().min(1).default("."),
  source: sourceSchema.prefault({}),
  destination: z.strictObject({
    cluster: z.string().min(1),
    namespace: z.string().min(1),
    createNamespace: z.boolean().default(false),
  }),
  sync: syncSchema.prefault({}),
  /**
   * `/ferry` commands for this app: `minPermission` overrides the forge's (checked against the
   * forge's levels at load); `allow` defaults to `sync.auto`, so an `auto: false` app is deployed
   * by a command only when it says `allow: true`.
   */
  commands: z
    .strictObject({ minPermission: z.string().min(1).optional(), allow: z.boolean().optional() })
    .default({}),
  ignoreDifferences: z.array(ignoreDifferenceSchema).default([]),
});

/**
 * A container registry Ferry hears from (its notifications at `/webhooks/<name>`) and polls
 * (`/v2/<repository>/tags/list`). docs/image-updates.md.
 */
export const registrySchema = z.strictObject({
  name,
  /** Which notification format `/webhooks/<name>` reads (src/images/notifications/). */
  type: z.enum(["distribution", "dockerhub", "ghcr"]),
  url: z.url(),
  /**
   * What proves a notification is the registry's: the bearer token (distribution), the
   * `?token=` of the webhook URL (dockerhub) or the key of `X-Hub-Signature-256` (ghcr).
   */
  webhookSecret: z.string().min(1).optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** How often tags are listed, to catch notifications that never arrived. */
  pollInterval: durationSchema.default(300_000),
});

/** A repository path as the distribution spec allows it (lowercase components split by '/'). */
export const imageRepositorySchema = z
  .string()
  .max(255)
  .regex(
    /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/,
    "must be a registry repository path such as acme/web",
  );

/** Which tags an image policy accepts and which of them is the newest (src/images/policy.ts). */
export const imagePolicySchema = z.union([
  z.strictObject({ semver: z.string().min(1).max(256) }),
  z.strictObject({
    /** A regular expression over the whole tag; its first named group, if any, is what is ordered. */
    pattern: z.string().min(1).max(256),
    order: z.enum(["numeric", "alphabetical"]).default("alphabetical"),
  }),
]);

export const imageSchema = z.strictObject({
  /** What markers name: `# ferry:image <name>`. */
  name,
  /** A `registries[].name`. */
  registry: z.string().min(1),
  repository: imageRepositorySchema,
  policy: imagePolicySchema,
  /** The `apps[].name`s whose render inputs carry this image's markers. */
  apps: z.array(z.string().min(1)).min(1),
  /** Write `tag@sha256:<digest>` instead of the tag alone. */
  pinDigest: z.boolean().default(false),
  /** Merge Ferry's own merge request of this image once its preview is green (src/images/auto-merge.ts). */
  autoMerge: z.boolean().default(false),
});

/** TLS of the Redis connection; the URL must be rediss://. Paths are PEM files read at start. */
export const redisTlsSchema = z.strictObject({
  /** CA bundle that signed the server's certificate; the system's CAs when unset. */
  ca: z.string().min(1).optional(),
  /** Client certificate and key, for servers that require them (tls-auth-clients). */
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  /** Name to verify the server certificate against, when it differs from the URL's host. */
  servername: z.string().min(1).optional(),
});

/** `host:port` of a Redis node or sentinel; `[v6]:port` for IPv6. */
const redisNodeSchema = z
  .string()
  .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}$/, "must be host:port");

/** Redis behind Sentinel: the sentinels are asked where the master of `masterName` is. */
export const redisSentinelSchema = z.strictObject({
  masterName: z.string().min(1),
  nodes: z.array(redisNodeSchema).min(1).max(32),
  /** ACL user and password of the sentinels themselves (the data nodes use redis.username/password). */
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
});

/** Redis Cluster: a few of its nodes (any of them; the rest are discovered). */
export const redisClusterSchema = z.strictObject({
  nodes: z.array(redisNodeSchema).min(1).max(32),
});

export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

/**
 * How to reach Redis: one server (`url`), Sentinel (`sentinel`) or Cluster (`cluster`); the
 * credentials, TLS and key prefix apply to all three (src/queue/connection.ts).
 */
export const redisSchema = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .regex(/^rediss?:\/\//, "must start with redis:// or rediss:// (TLS)")
      .default(DEFAULT_REDIS_URL),
    sentinel: redisSentinelSchema.optional(),
    cluster: redisClusterSchema.optional(),
    /** Every key Ferry writes starts with it (src/keys.ts). */
    prefix: keyPrefixSchema.default(DEFAULT_KEY_PREFIX),
    /** ACL user; overrides one in the URL. */
    username: z.string().min(1).optional(),
    /** Password of the ACL user (or of `requirepass`); overrides one in the URL. */
    password: z.string().min(1).optional(),
    tls: redisTlsSchema.optional(),
  })
  .superRefine((redis, context) => {
    const modes = [redis.url !== DEFAULT_REDIS_URL, redis.sentinel, redis.cluster].filter(Boolean);
    if (modes.length > 1) {
      context.addIssue({ code: "custom", message: "set one of url, sentinel and cluster" });
    }
    // Cluster runs a script or MULTI only on keys of one slot; BullMQ's and Ferry's multi-key
    // operations all stay under the prefix, so a hash tag in it keeps each of them in one slot.
    if (redis.cluster && !/\{.+\}/.test(redis.prefix)) {
      context.addIssue({
        code: "custom",
        path: ["prefix"],
        message: `needs a {hash tag} on Redis Cluster, e.g. "{${redis.prefix}}" (src/keys.ts)`,
      });
    }
  });

/** A group name as the OpenID provider puts it in the groups claim. */
const groupName = z.string().min(1).max(256);

/**
 * Who may do what in the web UI (issue 18): per project (a `projects[].name` or a glob; `*`
 * also covers apps without a project), the groups of the OpenID Connect groups claim that hold
 * each role. `admin` includes `sync`, which includes `read`.
 */
export const uiRoleSchema = z.strictObject({
  project: z.string().min(1),
  read: z.array(groupName).max(100).default([]),
  sync: z.array(groupName).max(100).default([]),
  admin: z.array(groupName).max(100).default([]),
});

export const oidcSchema = z.strictObject({
  /** The provider's issuer URL; its /.well-known/openid-configuration is read at the first sign-in. */
  issuer: z.url(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Ferry's callback as registered at the provider: `<publicUrl>/ui/auth/callback`. */
  redirectUrl: z.url().refine((url) => new URL(url).pathname === "/ui/auth/callback", {
    message: "must end in /ui/auth/callback",
  }),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "a scope token"))
    .max(20)
    .default(["openid", "email", "profile", "groups"])
    .refine((scopes) => scopes.includes("openid"), { message: "must include openid" }),
  /** The ID token claim that lists the user's groups. */
  groupsClaim: z.string().min(1).default("groups"),
  /** Signs the session cookies: at least 32 characters, from the environment (`${FERRY_SESSION_SECRET}`). */
  sessionSecret: z.string().min(32, "at least 32 characters"),
  /** How long a sign-in lasts. */
  sessionTtlSeconds: z
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(8 * 3600),
});

export const uiSchema = z.strictObject({
  oidc: oidcSchema.optional(),
  roles: z.array(uiRoleSchema).max(1_000).default([]),
});

export const configSchema = z.strictObject({
  redis: redisSchema.prefault({}),
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65_535).default(8080),
      host: z.string().default("0.0.0.0"),
      publicUrl: z.url().optional(),
      /** Open connections per receiver; Node refuses the ones beyond. */
      maxConnections: z.number().int().min(1).default(1_000),
      /**
       * Bytes of webhook bodies held at once across all requests; beyond: 503 + Retry-After.
       * At least one whole body of the 25 MiB per-request limit (src/http/webhook-route.ts).
       * 32 MiB by default: one maximal body at a time. With 64 MiB two were held, and 30 parallel
       * 24 MB uploads grew the receiver's RSS by 152-186 MB (receiver-flood.test.ts, bound 150).
       */
      maxBodyBytesInFlight: z
        .number()
        .int()
        .min(25 * 1024 * 1024)
        .default(32 * 1024 * 1024),
      /** Size cap of one full preview page (GET /previews/<id>); beyond it resources are left out. */
      previewPageMaxBytes: z
        .number()
        .int()
        .min(256 * 1024)
        .default(8 * 1024 * 1024),
    })
    .prefault({}),
  /**
   * Jobs each `ferry worker` process runs at once, per queue. Processes add up: three workers
   * with sync: 16 run up to 48 syncs (of different apps: one writer per app, src/deploy/lock.ts).
   * A sync spends most of its time waiting for health (Deployments becoming Available), not on
   * the CPU or the API, so sync defaults to 16: at 4, 100 fresh apps took 238 s in the fleet
   * bench with the worker mostly idle; at 16, 42 s (bench/README.md).
   */
  workers: z
    .strictObject({
      concurrency: z
        .strictObject({
          preview: z.number().int().min(1).max(64).default(2),
          sync: z.number().int().min(1).max(64).default(16),
          reconcile: z.number().int().min(1).max(64).default(4),
          command: z.number().int().min(1).max(64).default(2),
          image: z.number().int().min(1).max(64).default(1),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Where mirrors, checkouts and caches live. */
  workDir: z.string().min(1).optional(),
  forges: z.array(forgeSchema).default([]),
  clusters: z.array(clusterSchema).default([]),
  projects: z.array(projectSchema).default([]),
  apps: z.array(appSchema).default([]),
  registries: z.array(registrySchema).default([]),
  images: z.array(imageSchema).default([]),
  /** Sign-in and roles of the web UI (docs/ui.md). */
  ui: uiSchema.prefault({}),
  /** Health rules for kinds Ferry does not know (docs/health.md); compiled in load.ts. */
  health: z.strictObject({ rules: z.array(healthRuleSchema).max(500).default([]) }).prefault({}),
});

export type FerryConfig = z.infer<typeof configSchema>;
export type ForgeConfig = z.infer<typeof forgeSchema>;
export type GithubAppConfig = z.infer<typeof githubAppSchema>;
export type RedisConfig = z.infer<typeof redisSchema>;
export type ClusterConfig = z.infer<typeof clusterSchema>;
export type AppConfig = z.infer<typeof appSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type ProjectConfig = z.infer<typeof projectSchema>;
export type OidcConfig = z.infer<typeof oidcSchema>;
export type UiRoleConfig = z.infer<typeof uiRoleSchema>;
export type KindRule = z.infer<typeof kindRuleSchema>;
export type RegistryConfig = z.infer<typeof registrySchema>;
export type ImageConfig = z.infer<typeof imageSchema>;
export type ImagePolicy = z.infer<typeof imagePolicySchema>;
export type IgnoreDifference = z.infer<typeof ignoreDifferenceSchema>;
