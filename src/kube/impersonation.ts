// Kubernetes user impersonation
// (https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation):
// a KubeAccess that authenticates as Ferry and adds Impersonate-User / Impersonate-Group to
// every request, so the apiserver authorizes each one as the project's ServiceAccount. Every
// path that sends requests (request.ts, discovery, listAll, the watch streams) asks the access
// to authorize it, so one derived access covers them all.
import { AppError } from "../errors.ts";
import { isForbidden } from "./errors.ts";
import type { KubeAccess } from "./kubeconfig.ts";
import type { KubeClient } from "./types.ts";

export interface Identity {
  user: string;
  groups: string[];
}

/** The identity the apiserver gives a ServiceAccount's own token. */
export function serviceAccountIdentity(account: ServiceAccountRef): Identity {
  const { namespace, name } = account;
  return {
    user: `system:serviceaccount:${namespace}:${name}`,
    groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
  };
}

/** The same cluster and credentials as `access`, every request made as `identity`. */
export function impersonating(access: KubeAccess, identity: Identity): KubeAccess {
  return {
    server: access.server,
    ...(access.proxy ? { proxy: access.proxy } : {}),
    authorize: async () => {
      const auth = await access.authorize();
      // An array sends one header line per group, as the apiserver expects.
      const headers = {
        ...auth.headers,
        "Impersonate-User": identity.user,
        "Impersonate-Group": identity.groups,
      };
      return { ...auth, headers };
    },
  };
}

export interface ServiceAccountRef {
  namespace: string;
  name: string;
}

/**
 * A client whose 403 answers say which ServiceAccount was refused and, when that account does
 * not exist at all (asked with Ferry's own client), say so instead of a bare "forbidden".
 */
export function explainForbidden(
  client: KubeClient,
  account: ServiceAccountRef,
  own: KubeClient,
): KubeClient {
  const who = `ServiceAccount ${account.namespace}/${account.name}`;
  const exists = async (): Promise<boolean | undefined> => {
    try {
      return (
        (await own.get({
          apiVersion: "v1",
          kind: "ServiceAccount",
          namespace: account.namespace,
          name: account.name,
        })) !== undefined
      );
    } catch {
      return undefined; // Ferry may not read ServiceAccounts: say only what the API said.
    }
  };
  const explained = async (error: AppError): Promise<AppError> => {
    const answer = typeof error.details?.message === "string" ? error.details.message : error.message;
    // A missing account leads the message: it is the cause, and status texts are short.
    const missing = (await exists()) === false ? `${who} does not exist: ` : "";
    return new AppError("KUBE_REJECTED", `${missing}${error.message}`, {
      cause: error,
      details: {
        ...error.details,
        message: `${missing}forbidden as ${who}: ${answer}`,
        serviceAccount: `${account.namespace}/${account.name}`,
      },
    });
  };
  const guard =
    <A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await call(...args);
      } catch (error) {
        throw isForbidden(error) ? await explained(error) : error;
      }
    };
  return {
    resource: guard((apiVersion: string, kind: string) => client.resource(apiVersion, kind)),
    apply: guard((...args: Parameters<KubeClient["apply"]>) => client.apply(...args)),
    get: guard((ref: Parameters<KubeClient["get"]>[0]) => client.get(ref)),
    delete: guard((...args: Parameters<KubeClient["delete"]>) => client.delete(...args)),
    list: guard((...args: Parameters<KubeClient["list"]>) => client.list(...args)),
  };
}
