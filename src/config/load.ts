import { readFile } from "node:fs/promises";
import * as yaml from "js-yaml";
import type { z } from "zod";
import { AppError } from "../errors.ts";
import { permissionsOf } from "../forges/permissions.ts";
import { compileRules } from "../health/registry.ts";
import { policyProblem } from "../images/policy.ts";
import { expandEnv } from "./env.ts";
import { destinationsFor, globMatches } from "../policy/project.ts";
import { forRole, type ConfigRole } from "./roles.ts";
import { configSchema, type FerryConfig, type KindRule } from "./schema.ts";

/** Formats a zod/issue path the way people write it: `apps[2].destination.cluster`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : `${i === 0 ? "" : "."}${String(part)}`))
    .join("");
}

function configError(problems: string[], source: string): AppError {
  return new AppError("CONFIG_INVALID", `${source}: ${problems.join("; ")}`, { details: { problems } });
}

function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path) || "(root)"}: ${issue.message}`);
}

/** Checks that hold between sections: names unique, references resolve, secrets present. */
function crossCheck(config: FerryConfig, role: ConfigRole): string[] {
  const problems: string[] = [];
  const unique = (section: "forges" | "clusters" | "projects" | "apps" | "registries" | "images") => {
    const seen = new Set<string>();
    config[section].forEach((item, i) => {
      if (seen.has(item.name)) problems.push(`${section}[${i}].name: duplicate name "${item.name}"`);
      seen.add(item.name);
    });
  };
  unique("forges");
  unique("clusters");
  unique("projects");
  unique("apps");
  unique("registries");
  unique("images");
  // Both receive at /webhooks/<name>: one name must mean one sender.
  const forgeNamed = new Set(config.forges.map((forge) => forge.name));
  config.registries.forEach((registry, i) => {
    if (forgeNamed.has(registry.name))
      problems.push(
        `registries[${i}].name: "${registry.name}" is also a forge's name; both receive at /webhooks/<name>`,
      );
  });
  config.registries.forEach((registry, i) => {
    // Docker Hub sends its token in the webhook URL: characters that need no escaping there, and
    // enough of them that it cannot be guessed.
    if (
      registry.type === "dockerhub" &&
      registry.webhookSecret &&
      !/^[A-Za-z0-9._~-]{16,}$/.test(registry.webhookSecret)
    )
      problems.push(
        `registries[${i}].webhookSecret: a dockerhub token goes in the webhook URL: at least 16 of A-Z a-z 0-9 . _ ~ -`,
      );
  });
  problems.push(...imageProblems(config));
  problems.push(...projectProblems(config));
  config.forges.forEach((forge, i) => {
    if (role !== "worker" && !forge.webhookSecret && !forge.insecureAcceptUnsigned) {
      problems.push(
        `forges[${i}].webhookSecret: required (set insecureAcceptUnsigned: true only for local demos)`,
      );
    }
  });
  const forgeNames = new Set(config.forges.map((f) => f.name));
  const clusterNames = new Set(config.clusters.map((c) => c.name));
  config.apps.forEach((app, i) => {
    if (!forgeNames.has(app.forge)) problems.push(`apps[${i}].forge: unknown forge "${app.forge}"`);
    const type = config.forges.find((forge) => forge.name === app.forge)?.type;
    const wanted = app.commands.minPermission;
    if (type && wanted !== undefined && !permissionsOf[type].includes(wanted)) {
      problems.push(
        `apps[${i}].commands.minPermission: "${wanted}" is not a ${type} permission (${permissionsOf[type].join(", ")})`,
      );
    }
    if (!clusterNames.has(app.destination.cluster)) {
      problems.push(`apps[${i}].destination.cluster: unknown cluster "${app.destination.cluster}"`);
    }
  });
  const oneServer = !config.redis.sentinel && !config.redis.cluster;
  if (oneServer && config.redis.tls && !config.redis.url.startsWith("rediss://")) {
    problems.push("redis.tls: needs a rediss:// URL (redis:// is not encrypted)");
  }
  config.clusters.forEach((cluster, i) => {
    if (role !== "receiver" && !cluster.inCluster && !cluster.kubeconfig) {
      problems.push(`clusters[${i}]: needs kubeconfig or inCluster: true`);
    }
  });
  problems.push(...healthRuleProblems(config));
  return problems;
}

/** Image policies must name a known registry and known apps, and their policy must compile. */
function imageProblems(config: FerryConfig): string[] {
  const problems: string[] = [];
  const registries = new Set(config.registries.map((r) => r.name));
  const apps = new Set(config.apps.map((a) => a.name));
  config.images.forEach((image, i) => {
    if (!registries.has(image.registry))
      problems.push(`images[${i}].registry: unknown registry "${image.registry}"`);
    image.apps.forEach((app, j) => {
      if (!apps.has(app)) problems.push(`images[${i}].apps[${j}]: unknown app "${app}"`);
    });
    const policy = policyProblem(image.policy);
    if (policy) problems.push(`images[${i}].policy: ${policy}`);
  });
  return problems;
}

function duplicateRules(rules: readonly KindRule[], path: string): string[] {
  const seen = new Set<string>();
  return rules.flatMap((rule, i) => {
    const key = `${rule.group}/${rule.kind}`;
    if (seen.has(key)) return [`${path}[${i}]: ${key} is listed twice`];
    seen.add(key);
    return [];
  });
}

/** Projects' own references, and each app's reference to its project. */
function projectProblems(config: FerryConfig): string[] {
  const problems: string[] = [];
  const clusters = config.clusters.map((c) => c.name);
  config.projects.forEach((project, p) => {
    project.destinations.forEach((destination, d) => {
      if (!clusters.some((cluster) => globMatches(destination.cluster, cluster))) {
        problems.push(
          `projects[${p}].destinations[${d}].cluster: "${destination.cluster}" matches no configured cluster`,
        );
      }
    });
    problems.push(...duplicateRules(project.clusterResources, `projects[${p}].clusterResources`));
    problems.push(
      ...duplicateRules(project.namespacedResourcesDenied, `projects[${p}].namespacedResourcesDenied`),
    );
  });
  config.apps.forEach((app, i) => {
    if (app.project === undefined) return;
    const project = config.projects.find((candidate) => candidate.name === app.project);
    if (!project) {
      problems.push(`apps[${i}].project: unknown project "${app.project}"`);
      return;
    }
    const { cluster, namespace } = app.destination;
    const matching = destinationsFor(project, cluster, namespace);
    if (matching.length === 0) {
      problems.push(
        `apps[${i}].destination: ${cluster}/${namespace} is not a destination of project "${project.name}"`,
      );
    }
    // Two destinations that both hold the app must not disagree on whom to impersonate.
    const accounts = new Set(matching.map((destination) => destination.serviceAccount ?? "(none)"));
    if (accounts.size > 1) {
      problems.push(
        `apps[${i}].destination: overlapping destinations of project "${project.name}" name different serviceAccounts (${[...accounts].join(", ")})`,
      );
    }
  });
  return problems;
}

/** Every CEL expression of `health.rules` compiles now, not when a sync first meets the kind. */
function healthRuleProblems(config: FerryConfig): string[] {
  try {
    compileRules(config.health.rules, "health.rules");
    return [];
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return (error.details?.problems as string[] | undefined) ?? [error.message];
  }
}

/**
 * Validates an already parsed document (after YAML) against the schema and cross-checks. With a
 * role, the fields only the other role reads are dropped first (src/config/roles.ts).
 */
export function parseConfig(
  document: unknown,
  env: NodeJS.ProcessEnv = process.env,
  source = "config",
  role: ConfigRole = "all",
): FerryConfig {
  const { value, problems } = expandEnv(forRole(document ?? {}, role), env);
  if (problems.length > 0) {
    throw configError(
      problems.map((p) => `${p.path}: environment variable ${p.variable} is not set`),
      source,
    );
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) throw configError(zodProblems(parsed.error), source);
  const cross = crossCheck(parsed.data, role);
  if (cross.length > 0) throw configError(cross, source);
  return parsed.data;
}

/** `at line 2, column 3: missed comma …` from a js-yaml exception, without its code excerpt. */
export function describeYamlError(error: unknown): string {
  if (error instanceof yaml.YAMLException && error.mark) {
    return `at line ${error.mark.line + 1}, column ${error.mark.column + 1}: ${error.reason}`;
  }
  return `: ${error instanceof Error ? error.message : String(error)}`;
}

export function parseConfigText(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
  source = "config",
  role: ConfigRole = "all",
): FerryConfig {
  let document: unknown;
  try {
    document = yaml.load(text, { filename: source });
  } catch (error) {
    throw configError([`invalid YAML ${describeYamlError(error)}`], source);
  }
  return parseConfig(document, env, source, role);
}

export async function loadConfigFile(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
  role: ConfigRole = "all",
): Promise<FerryConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new AppError(
      "CONFIG_INVALID",
      `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      {
        cause: error,
      },
    );
  }
  return parseConfigText(text, env, file, role);
}
