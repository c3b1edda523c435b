// The machine-readable part of an image-update commit: git trailers at the end of the message
// propose.ts writes, read back when a revision is deployed (src/images/deployed.ts) so the
// deploy history can say which image digest a merged update brought and where it was built:
//
//   Ferry-Image: <images[].name> <repository>:<tag>@sha256:<digest>
//   Ferry-Image-Source: <https URL of the source repository>   (org.opencontainers.image.source)
//   Ferry-Image-Revision: <source commit>                      (org.opencontainers.image.revision)
//
// A commit message is outside input (anyone who can push writes one): every value is length-
// capped and checked against the grammar of what it names, and a commit whose Ferry-Image does
// not parse contributes nothing.
import { z } from "zod";
import { imageRepositorySchema } from "../config/schema.ts";
import { isValidDigest, isValidTag } from "./policy.ts";

export const IMAGE_TRAILER = "Ferry-Image";
export const SOURCE_TRAILER = "Ferry-Image-Source";
export const REVISION_TRAILER = "Ferry-Image-Revision";
export const IMAGE_TRAILER_KEYS = [IMAGE_TRAILER, SOURCE_TRAILER, REVISION_TRAILER] as const;

/** Longer than any valid value (a 255-character repository, a 128-character tag, a digest). */
const MAX_VALUE = 600;

/** What the image's OCI labels may say about its source, as far as Ferry repeats it anywhere. */
export const sourceUrlSchema = z.string().regex(/^https:\/\/[^\s"'<>`\\]{1,500}$/);
export const sourceRevisionSchema = z.string().regex(/^[0-9a-f]{7,64}$/);

/** One image an image-update commit names (the commit is the deployment repository's). */
export interface ImageTrailer {
  /** The images[].name (policy) that proposed it. */
  policy: string;
  repository: string;
  tag: string;
  digest: string;
  source?: string;
  revision?: string;
}

const policySchema = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);

/** The trailer lines of an image-update commit (the message's last paragraph). */
export function imageTrailerLines(
  policy: string,
  repository: string,
  update: { tag: string; digest: string; source?: { url?: string; revision?: string } },
): string[] {
  const url = update.source?.url;
  const revision = update.source?.revision;
  return [
    `${IMAGE_TRAILER}: ${policy} ${repository}:${update.tag}@${update.digest}`,
    ...(url !== undefined && sourceUrlSchema.safeParse(url).success ? [`${SOURCE_TRAILER}: ${url}`] : []),
    ...(revision !== undefined && sourceRevisionSchema.safeParse(revision).success
      ? [`${REVISION_TRAILER}: ${revision}`]
      : []),
  ];
}

/**
 * The image one commit's trailers name, or undefined when its Ferry-Image is missing or not
 * valid. `trailers` are the commit's (key, value) pairs as git parsed them; the first of each
 * key counts. A source or revision that is not valid is left out, the image still counts.
 */
export function parseImageTrailers(
  trailers: ReadonlyArray<{ key: string; value: string }>,
): ImageTrailer | undefined {
  const first = (key: string) => {
    const value = trailers.find((trailer) => trailer.key.toLowerCase() === key.toLowerCase())?.value.trim();
    return value === undefined || value.length > MAX_VALUE ? undefined : value;
  };
  const named = /^(\S+) (\S+):([^:@\s]+)@(\S+)$/.exec(first(IMAGE_TRAILER) ?? "");
  if (!named) return undefined;
  const [, policy = "", repository = "", tag = "", digest = ""] = named;
  if (!policySchema.safeParse(policy).success || !imageRepositorySchema.safeParse(repository).success)
    return undefined;
  if (!isValidTag(tag) || !isValidDigest(digest)) return undefined;
  const source = sourceUrlSchema.safeParse(first(SOURCE_TRAILER));
  const revision = sourceRevisionSchema.safeParse(first(REVISION_TRAILER));
  return {
    policy,
    repository,
    tag,
    digest,
    ...(source.success ? { source: source.data } : {}),
    ...(revision.success ? { revision: revision.data } : {}),
  };
}
