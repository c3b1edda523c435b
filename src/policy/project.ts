// Projects bound what an app may do in a cluster (issue 12): where its objects may go, which
// cluster-scoped kinds it may create, which namespaced kinds it may not, whether commands may
// deploy it, whether it may take over another app's objects, and which ServiceAccount its
// requests are made as. An app without `project:` gets a built-in project of its own
// destination namespace alone.
import type { AppConfig, FerryConfig, KindRule, ProjectConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import type { ServiceAccountRef } from "../kube/impersonation.ts";

/** The project an app is bound by; `builtIn` when ferry.yaml names none for it. */
export interface Project extends ProjectConfig {
  builtIn: boolean;
}

/** `*` matches any run of characters, `?` one; everything else is literal. */
export function globMatches(glob: string, value: string): boolean {
  const pattern = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${pattern}$`).test(value);
}

export function kindMatches(rule: KindRule, group: string, kind: string): boolean {
  return globMatches(rule.group, group) && globMatches(rule.kind, kind);
}

/** The built-in project: the app's destination namespace only, no cluster-scoped kinds. */
export function builtInProject(app: AppConfig): Project {
  return {
    name: `built-in project of app ${app.name}`,
    builtIn: true,
    destinations: [{ cluster: app.destination.cluster, namespace: app.destination.namespace }],
    clusterResources: [],
    namespacedResourcesDenied: [],
    allowCommands: true,
    allowAdoption: false,
  };
}

export function projectOf(config: Pick<FerryConfig, "projects">, app: AppConfig): Project {
  if (app.project === undefined) return builtInProject(app);
  const found = config.projects.find((project) => project.name === app.project);
  // load.ts refuses unknown references; this guards configurations built in code.
  if (!found) throw new AppError("CONFIG_INVALID", `app ${app.name}: unknown project "${app.project}"`);
  return { ...found, builtIn: false };
}

/** The project's destinations that contain this cluster and namespace. */
export function destinationsFor(project: ProjectConfig, cluster: string, namespace: string) {
  return project.destinations.filter(
    (destination) =>
      globMatches(destination.cluster, cluster) && globMatches(destination.namespace, namespace),
  );
}

/**
 * The ServiceAccount the app's requests are made as: named by the project destination that
 * holds the app's destination, and living in the app's destination namespace.
 */
export function serviceAccountOf(project: ProjectConfig, app: AppConfig): ServiceAccountRef | undefined {
  const { cluster, namespace } = app.destination;
  const name = destinationsFor(project, cluster, namespace).find((d) => d.serviceAccount)?.serviceAccount;
  return name === undefined ? undefined : { namespace, name };
}
