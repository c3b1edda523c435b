// Which container images a deployed revision runs, and where each came from, for its deploy
// record (src/sync/history.ts `images`): the images are read from the rendered workloads (what
// the cluster is told to run), and one that a merged image update brought is completed from that
// commit's trailers (src/images/trailers.ts): the policy, the digest the registry gave for the
// tag and the source commit. Nothing is invented: an image no trailer describes keeps what its
// reference says (a `@sha256:` digest only when it is pinned).
//
// Both sources are outside input, so both are bounded: at most MAX_IMAGES references of at most
// MAX_REFERENCE characters, trailers of at most MAX_COMMITS commits and MAX_TRAILER_BYTES.
import { z } from "zod";
import type { GitService, RepoLocation, TrailerQuery } from "../git/types.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../observability/logger.ts";
import { isValidDigest, isValidTag } from "./policy.ts";
import { IMAGE_TRAILER_KEYS, parseImageTrailers, type ImageTrailer } from "./trailers.ts";

export const MAX_IMAGES = 50;
export const MAX_REFERENCE = 512;
/** Commits between the live revision and the new one whose trailers are read. */
export const MAX_COMMITS = 100;
export const MAX_TRAILER_BYTES = 1 << 20;

export const deployedImageSchema = z.object({
  /** The reference as the rendered manifests name it. */
  image: z.string().max(MAX_REFERENCE),
  /** Its repository (registry host and path), tag and digest, as far as the reference says. */
  repository: z.string().max(MAX_REFERENCE),
  tag: z.string().optional(),
  digest: z.string().optional(),
  /** From a merged image update (its commit's trailers): the images[].name that proposed it. */
  policy: z.string().optional(),
  /** The deployment repository's commit that wrote this tag (the image update). */
  commit: z.string().optional(),
  /** The image's source repository and commit (its OCI labels, as the update recorded them). */
  source: z.string().optional(),
  revision: z.string().optional(),
});
export type DeployedImage = z.infer<typeof deployedImageSchema>;

type PodSpec = { containers?: unknown; initContainers?: unknown };

/** Pod specs of an object: a Pod's own, a workload's template, a CronJob's job template. */
function podSpecs(object: KubeObject): PodSpec[] {
  const spec = object.spec as Record<string, unknown> | undefined;
  if (typeof spec !== "object" || spec === null) return [];
  const template = (value: unknown) =>
    (value as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
  const jobTemplate = (spec.jobTemplate as { spec?: unknown } | undefined)?.spec;
  return [
    object.kind === "Pod" ? (spec as PodSpec) : undefined,
    template(spec),
    template(jobTemplate),
  ].filter((candidate): candidate is PodSpec => typeof candidate === "object" && candidate !== null);
}

/** Distinct container images of the rendered objects, in manifest order, bounded. */
export function renderedImages(objects: readonly KubeObject[]): string[] {
  const images = new Set<string>();
  for (const object of objects)
    for (const spec of podSpecs(object))
      for (const list of [spec.initContainers, spec.containers]) {
        if (!Array.isArray(list)) continue;
        for (const container of list) {
          const image = (container as { image?: unknown } | null)?.image;
          if (typeof image !== "string" || image.length === 0 || image.length > MAX_REFERENCE) continue;
          // Control characters and spaces are no part of an image reference.
          if (/[\s\p{Cc}]/u.test(image)) continue;
          images.add(image);
          if (images.size >= MAX_IMAGES) return [...images];
        }
      }
  return [...images];
}

/** `[host[:port]/]path[:tag][@digest]` split; a digest or tag that is not valid is not taken. */
export function parseReference(image: string): Pick<DeployedImage, "repository" | "tag" | "digest"> {
  const at = image.indexOf("@");
  const name = at === -1 ? image : image.slice(0, at);
  const digest = at === -1 ? undefined : image.slice(at + 1);
  // The tag separator is a colon after the last slash (a registry host may carry a port).
  const colon = name.lastIndexOf(":");
  const tag = colon > name.lastIndexOf("/") ? name.slice(colon + 1) : undefined;
  return {
    repository: tag === undefined ? name : name.slice(0, colon),
    ...(tag !== undefined && isValidTag(tag) ? { tag } : {}),
    ...(digest !== undefined && isValidDigest(digest) ? { digest } : {}),
  };
}

/** A trailer of the commit `commit`, as read from the deployment repository. */
export interface CommitImage {
  commit: string;
  trailer: ImageTrailer;
}

function describes(
  trailer: ImageTrailer,
  image: Pick<DeployedImage, "repository" | "tag" | "digest">,
): boolean {
  const sameRepository =
    image.repository === trailer.repository || image.repository.endsWith(`/${trailer.repository}`);
  return (
    sameRepository &&
    image.tag === trailer.tag &&
    (image.digest === undefined || image.digest === trailer.digest)
  );
}

/**
 * The record's images: each rendered reference, completed from the newest image-update commit
 * that describes it (same repository, tag and, when pinned, digest), else from the newest earlier
 * record that ran the same reference with such a description, else as the reference says.
 */
export function describeImages(
  rendered: readonly string[],
  updates: readonly CommitImage[],
  earlier: ReadonlyArray<readonly DeployedImage[] | undefined>,
): DeployedImage[] {
  return rendered.map((image) => {
    const reference = parseReference(image);
    const update = updates.find((candidate) => describes(candidate.trailer, reference));
    if (update) {
      const { policy, digest, source, revision } = update.trailer;
      return {
        image,
        ...reference,
        digest: reference.digest ?? digest,
        policy,
        commit: update.commit,
        ...(source ? { source } : {}),
        ...(revision ? { revision } : {}),
      };
    }
    const known = earlier
      .flatMap((images) => images ?? [])
      .find((candidate) => candidate.image === image && candidate.policy !== undefined);
    return known ?? { image, ...reference };
  });
}

export interface DeployedImagesInput {
  git: Pick<GitService, "commitTrailers">;
  location: RepoLocation;
  objects: readonly KubeObject[];
  revision: string;
  /** The revision live before this one, when known: only commits after it are read. */
  since?: string;
  /** Image lists of earlier deploy records, newest first. */
  earlier: ReadonlyArray<readonly DeployedImage[] | undefined>;
  logger: Logger;
}

/**
 * The images of a deploy record. Reading the trailers is best effort: when git cannot answer for
 * the range (a live revision it no longer has) the newest commits of the revision are read
 * instead; when it cannot answer at all (an answer over the bound) the images are still
 * recorded, without what the trailers would have added, and the reason is logged.
 */
export async function deployedImages(input: DeployedImagesInput): Promise<DeployedImage[]> {
  const rendered = renderedImages(input.objects);
  if (rendered.length === 0) return [];
  return describeImages(rendered, await imageUpdates(input), input.earlier);
}

async function imageUpdates(input: DeployedImagesInput): Promise<CommitImage[]> {
  const { git, location, logger } = input;
  if (!git.commitTrailers) return [];
  const query: TrailerQuery = {
    to: input.revision,
    limit: MAX_COMMITS,
    keys: IMAGE_TRAILER_KEYS,
    maxBytes: MAX_TRAILER_BYTES,
  };
  const ranges: TrailerQuery[] =
    input.since !== undefined && input.since !== input.revision
      ? [{ ...query, from: input.since }, query]
      : [query];
  for (const range of ranges) {
    try {
      const commits = await git.commitTrailers(location, range);
      return commits.flatMap((commit) => {
        const trailer = parseImageTrailers(commit.trailers);
        return trailer ? [{ commit: commit.sha, trailer }] : [];
      });
    } catch (error) {
      logger.warn(
        { from: range.from, reason: error instanceof Error ? error.message : String(error) },
        "image-update trailers not read",
      );
    }
  }
  return [];
}
