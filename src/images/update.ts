// An image job (src/queue/types.ts imageJobSchema), decided: which tag of the image's
// repository the policy wants now, and what it points at. A notification only says "look
// again": the worker lists the registry's tags itself and takes the newest one the policy
// accepts, so an older tag's (or a replayed) notification never moves an app back, and a
// notification of a tag outside the policy costs no registry call. What is then written — the
// branch and the merge request per app — is `propose`'s (src/images/propose.ts).
import type { FerryConfig, ImageConfig, RegistryConfig } from "../config/schema.ts";
import { isAppError } from "../errors.ts";
import type { Logger } from "../observability/logger.ts";
import type { ImageJob } from "../queue/types.ts";
import { newestTag } from "./policy.ts";
import type { ImageInfo } from "./registry.ts";
import { sourceRevisionSchema, sourceUrlSchema } from "./trailers.ts";

/** What one decision hands to the writer: the tag to propose and where it came from. */
export interface ImageProposal {
  image: string;
  tag: string;
  digest: string;
  source?: { url?: string; revision?: string };
}

export interface ImageUpdateDeps {
  config: Pick<FerryConfig, "images" | "registries">;
  /** A registry's reader (src/images/registry.ts RegistryClient), one per registry. */
  registry: (registry: RegistryConfig) => {
    tags(repository: string): Promise<string[]>;
    image(repository: string, reference: string): Promise<ImageInfo>;
  };
  propose: (proposal: ImageProposal) => Promise<unknown>;
  logger: Logger;
}

export type ImageDecision =
  | { result: "proposed"; tag: string; digest: string; written: unknown }
  | { result: "ignored"; reason: string };

/** The OCI labels builders set (docker buildx, ko, GitHub's and GitLab's CI templates). */
const SOURCE_LABEL = "org.opencontainers.image.source";
const REVISION_LABEL = "org.opencontainers.image.revision";

export async function processImageJob(job: ImageJob, deps: ImageUpdateDeps): Promise<ImageDecision> {
  const image = deps.config.images.find((candidate) => candidate.name === job.image);
  const log = deps.logger.child({
    image: job.image,
    trigger: job.trigger,
    ...(job.tag ? { tag: job.tag } : {}),
  });
  const ignore = (reason: string): ImageDecision => {
    log.info({ reason }, "image update: nothing to do");
    return { result: "ignored", reason };
  };
  // A job queued under an older ferry.yaml: the image is no longer followed.
  if (!image) return ignore(`no image "${job.image}" in ferry.yaml any more`);
  const registry = deps.config.registries.find((candidate) => candidate.name === image.registry);
  if (!registry) return ignore(`no registry "${image.registry}" in ferry.yaml any more`);
  if (job.tag !== undefined && newestTag(image.policy, [job.tag]) !== job.tag)
    return ignore(`${image.repository}:${job.tag} is outside the policy ${describePolicy(image)}`);

  const client = deps.registry(registry);
  const tags = await client.tags(image.repository);
  const newest = newestTag(image.policy, tags);
  if (newest === undefined)
    return ignore(
      `none of the ${tags.length} tags of ${image.repository} is inside ${describePolicy(image)}`,
    );
  if (job.tag !== undefined && job.tag !== newest)
    log.info(
      { newest },
      "image update: the notified tag is not the newest the policy accepts; proposing the newest",
    );

  let info: ImageInfo;
  try {
    info = await client.image(image.repository, newest);
  } catch (error) {
    // A multi-platform index or a manifest without a config: refused for good, not retried.
    if (isAppError(error) && error.code === "IMAGE_REFUSED") return ignore(error.message);
    throw error;
  }
  const source = sourceOf(info.labels);
  const written = await deps.propose({
    image: image.name,
    tag: newest,
    digest: info.digest,
    ...(source ? { source } : {}),
  });
  log.info({ tag: newest, digest: info.digest }, "image update proposed");
  return { result: "proposed", tag: newest, digest: info.digest, written };
}

function describePolicy(image: ImageConfig): string {
  return "semver" in image.policy ? `semver "${image.policy.semver}"` : `pattern "${image.policy.pattern}"`;
}

/** Where the image was built from, when its labels say so (only what looks like a URL or a SHA). */
function sourceOf(labels: Record<string, string>): ImageProposal["source"] | undefined {
  const url = sourceUrlSchema.safeParse(labels[SOURCE_LABEL]);
  const revision = sourceRevisionSchema.safeParse(labels[REVISION_LABEL]);
  const source = {
    ...(url.success ? { url: url.data } : {}),
    ...(revision.success ? { revision: revision.data } : {}),
  };
  return Object.keys(source).length > 0 ? source : undefined;
}
