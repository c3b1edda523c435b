// What a kustomization may ask for. Kustomize can clone remote bases and, with alpha flags,
// run plugins (exec binaries, KRM functions in containers); Ferry never passes those flags and
// refuses such kustomizations up front with a message that says why.
import { AppError } from "../../errors.ts";
import type { KubeObject } from "../../kube/types.ts";

const remote = [
  /^[a-z][a-z0-9+.-]*:\/\//i, // https://, ssh://, git::…//
  /^git@/,
  /^(github\.com|gitlab\.com|bitbucket\.org)\//i,
  /\?(ref|version|timeout|submodules)=/,
  /^[a-z][a-z0-9+.-]*::/i, // go-getter forced protocols: git::, s3::
];

export function looksRemote(path: string): boolean {
  return remote.some((pattern) => pattern.test(path));
}

const functionAnnotations = ["config.kubernetes.io/function", "config.k8s.io/function"];

/** Only kustomize's built-in plugins (apiVersion `builtin`) are allowed; they run no code. */
export function checkPluginConfig(config: KubeObject, shown: string): void {
  const annotations = config.metadata.annotations ?? {};
  const isFunction = functionAnnotations.some((name) => name in annotations);
  if (isFunction || config.apiVersion !== "builtin") {
    throw new AppError(
      "RENDER_FAILED",
      `${shown}: ${config.kind} ${config.metadata.name} is an exec/function plugin; Ferry runs only kustomize's built-in plugins`,
    );
  }
}
