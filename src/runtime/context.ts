// The Runtime: every long-lived dependency a worker or the CLI needs, built once from
// ferry.yaml and passed down explicitly. Nothing here is held in module state.
import { homedir } from "node:os";
import { join } from "node:path";
import { Registry, collectDefaultMetrics } from "prom-client";
import { registerCallCounts } from "../observability/call-counts.ts";
import type { AppConfig, FerryConfig, ForgeConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { createForges, type Forge, type ForgeOptions } from "../forges/index.ts";
import { CliGitService } from "../git/service.ts";
import type { GitService, RepoLocation } from "../git/types.ts";
import { defaultHealthChecks } from "../health/registry.ts";
import type { HealthCheck } from "../health/types.ts";
import type { KubeAccess } from "../kube/kubeconfig.ts";
import type { KubeClient } from "../kube/types.ts";
import type { Logger } from "../observability/logger.ts";
import { projectOf, type Project } from "../policy/project.ts";
import { createRedis, type RedisClient } from "../queue/connection.ts";
import { createEnqueuer, type Enqueuer } from "../queue/enqueue.ts";
import { RenderCache } from "../render/cache.ts";
import { createAppClients } from "./kube-clients.ts";
import { StateSeal } from "../state/seal.ts";
import { repoLocation } from "./locations.ts";

/** Long enough to bridge the gaps between the renders of one push's apps, short enough to free the disk soon after. */
const CHECKOUT_LINGER_MS = 30_000;

export interface Runtime {
  readonly config: FerryConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  /** A worker-role connection for Ferry's own keys (history, locks, caches). */
  readonly redis: RedisClient;
  readonly enqueuer: Enqueuer;
  readonly git: GitService;
  readonly forges: Map<string, Forge>;
  readonly renderCache: RenderCache;
  /** Seals the stored records that can lead to a write (FERRY_STATE_KEY: workers only). */
  readonly seal: StateSeal;
  /** Health checks: the built-in ones with ferry.yaml's health.rules on top. */
  readonly healthChecks: ReadonlyMap<string, HealthCheck>;
  readonly workDir: string;
  /** ferry.yaml's redis.prefix: BullMQ's and every key of src/keys.ts start with it. */
  readonly prefix: string;
  app(name: string): AppConfig;
  forgeOf(app: AppConfig): Forge;
  forgeConfigOf(app: AppConfig): ForgeConfig;
  location(app: AppConfig): RepoLocation;
  /** The app's project: the one it names, or its built-in one. */
  projectOf(app: AppConfig): Project;
  /** The one way to talk to an app's cluster (see kube-clients.ts: impersonation). */
  kubeFor(app: AppConfig): KubeClient;
  kubeConfigFor(app: AppConfig): KubeAccess;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger: Logger;
  registry?: Registry;
  forgeOptions?: ForgeOptions;
  /** Forges built by the caller (tests); default: from the configuration. */
  forges?: Map<string, Forge>;
  /** The state keys; default: FERRY_STATE_KEY and FERRY_STATE_PREVIOUS_KEYS from the environment. */
  stateKeys?: readonly string[];
}

export function defaultWorkDir(config: FerryConfig): string {
  return config.workDir ?? process.env.FERRY_WORK_DIR ?? join(homedir(), ".cache", "ferry", "work");
}

export function createRuntime(config: FerryConfig, options: RuntimeOptions): Runtime {
  const { logger } = options;
  const registry = options.registry ?? new Registry();
  if (!options.registry) collectDefaultMetrics({ register: registry });
  registerCallCounts(registry);
  // First: a worker without its state key must stop before it connects to anything.
  const seal = options.stateKeys
    ? new StateSeal(options.stateKeys, { registry, logger })
    : StateSeal.fromEnv(process.env, { registry, logger });
  const redis = createRedis(config.redis, "worker");
  redis.on("error", (error: Error) => logger.debug({ reason: error.message }, "redis connection error"));
  const workDir = defaultWorkDir(config);
  const prefix = config.redis.prefix;
  const enqueuer = createEnqueuer(redis, { prefix });
  const forges = options.forges ?? createForges(config, { logger, registry, ...options.forgeOptions });
  const clients = createAppClients(config);
  const renderCache = new RenderCache({ redis, registry, seal, prefix });
  // The syncs of one push share its checkout (see CliGitService's checkoutLingerMs).
  const git = new CliGitService({ cacheDir: workDir, checkoutLingerMs: CHECKOUT_LINGER_MS });

  const app = (name: string): AppConfig => {
    const found = config.apps.find((candidate) => candidate.name === name);
    if (!found) throw new AppError("NOT_FOUND", `app "${name}" is not configured`);
    return found;
  };
  const forgeConfigOf = (target: AppConfig): ForgeConfig => {
    const found = config.forges.find((forge) => forge.name === target.forge);
    if (!found) throw new AppError("CONFIG_INVALID", `app ${target.name}: unknown forge "${target.forge}"`);
    return found;
  };
  const forgeOf = (target: AppConfig): Forge => {
    const found = forges.get(target.forge);
    if (!found) throw new AppError("CONFIG_INVALID", `app ${target.name}: unknown forge "${target.forge}"`);
    return found;
  };
  return {
    config,
    logger,
    registry,
    redis,
    enqueuer,
    git,
    forges,
    renderCache,
    seal,
    healthChecks: defaultHealthChecks(config.health.rules),
    workDir,
    prefix,
    app,
    forgeOf,
    forgeConfigOf,
    location: (target) => repoLocation(target, forgeConfigOf(target), forgeOf(target)),
    projectOf: (target) => projectOf(config, target),
    kubeFor: (target) => clients.kubeFor(target),
    kubeConfigFor: (target) => clients.kubeConfigFor(target),
    close: async () => {
      await git.close();
      await enqueuer.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
