// GitHub's package events for the container registry (ghcr.io): a repository's or an
// organization's webhook subscribed to "Packages" sends `package` (and, under its older name,
// `registry_package`) with action `published` or `updated` for each pushed manifest. They are
// signed like every GitHub webhook (X-Hub-Signature-256 over the raw body), so the forge
// receiver's GitHub checks are used as they are (src/webhooks/github); X-GitHub-Delivery names
// the delivery. `ping`, other events and other package types are acknowledged and ignored.
import { z } from "zod";
import { bodyType } from "../../webhooks/body.ts";
import { githubProvider } from "../../webhooks/github/index.ts";
import { parsePayload } from "../../webhooks/schema-errors.ts";
import type { NotificationFormat, ParsedNotification } from "../notifications.ts";

const containerPackage = z.object({
  name: z.string().min(1).max(255),
  package_type: z.string().max(50),
  owner: z.object({ login: z.string().min(1).max(100) }).nullable(),
  package_version: z.object({
    container_metadata: z
      .object({
        tag: z.object({ name: z.string().max(200), digest: z.string().max(100) }),
        manifest: z.object({ media_type: z.string().max(200).optional() }).optional(),
      })
      .nullable()
      .optional(),
  }),
});
const packageEvent = z.object({ action: z.string().max(50), package: containerPackage });
const registryPackageEvent = z.object({ action: z.string().max(50), registry_package: containerPackage });

const PUSH_ACTIONS = new Set(["published", "updated"]);

function pushOf(
  action: string,
  pkg: z.infer<typeof containerPackage>,
  deliveryId: string,
): ParsedNotification {
  // GitHub spells it `container` in the REST API and `CONTAINER` in some webhook payloads.
  if (pkg.package_type.toLowerCase() !== "container")
    return { ignored: `a ${pkg.package_type} package, not a container image` };
  if (!PUSH_ACTIONS.has(action)) return { ignored: `package action "${action}" is not a push` };
  const metadata = pkg.package_version.container_metadata;
  // A platform manifest of a multi-platform push comes untagged; its index carries the tag.
  if (!metadata?.tag.name) return { ignored: `${pkg.name}: an untagged version` };
  if (!pkg.owner) return { ignored: `${pkg.name}: the package names no owner` };
  return {
    pushes: [
      {
        eventId: deliveryId,
        // ghcr.io/<owner>/<package>: registry paths are lowercase, GitHub logins are not.
        repository: `${pkg.owner.login}/${pkg.name}`.toLowerCase(),
        tag: metadata.tag.name,
        digest: metadata.tag.digest,
        ...(metadata.manifest?.media_type ? { mediaType: metadata.manifest.media_type } : {}),
      },
    ],
  };
}

export const ghcrFormat: NotificationFormat = {
  bodyType,
  contentTypes: "application/json or application/x-www-form-urlencoded",
  // The signature header's presence and shape: all that can be known before the body.
  verifyRequest: ({ headers }) => githubProvider.verifyHeaders(headers, ""),
  verifyBody: (received, secret) => githubProvider.verify(received, secret),
  parse: ({ headers, rawBody, body }) => {
    const event = githubProvider.eventName(headers);
    if (event === "ping") return { ignored: "ping" };
    // X-GitHub-Delivery (or, as for the forge receiver, a digest of the signed body).
    const deliveryId = githubProvider.deliveryId(headers, rawBody);
    if (event === "package") {
      const { action, package: pkg } = parsePayload(packageEvent, body, "package");
      return pushOf(action, pkg, deliveryId);
    }
    if (event === "registry_package") {
      const { action, registry_package: pkg } = parsePayload(registryPackageEvent, body, "registry_package");
      return pushOf(action, pkg, deliveryId);
    }
    return { ignored: `event "${event}" is not a package event` };
  },
};
