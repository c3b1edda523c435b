// Where an image update writes: lines of an app's render inputs (src/render/touched.ts
// appInputs: plain manifests, kustomizations and their bases, Helm charts and value files) that
// end in a marker naming an image policy:
//
//   image: registry.example.com/acme/web:1.2.0 # ferry:image web       (a whole reference)
//   newTag: 1.2.0 # ferry:image web:tag                                (the tag alone)
//
// Only the value on a marked line changes; every other byte of the file (comments, quotes,
// indentation, line endings) stays as it was, because the line is edited as text rather than the
// document being parsed and written back.
import { lstat, readdir, readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import type { AppConfig, ImageConfig } from "../config/schema.ts";
import { AppError } from "../errors.ts";
import { appInputs } from "../render/touched.ts";
import { isValidDigest, isValidTag } from "./policy.ts";

/** Files bigger than this are not YAML anyone edits by hand; they are not searched. */
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 5_000;
const MARKER = "ferry:image";

// key: value   or   - value, then the marker comment. The value is one token, maybe quoted.
const MARKED_LINE =
  /^(?<lead>\s*(?:-\s+)?(?:[^\s:#'"][^:#]*:\s+)?)(?<quote>["']?)(?<value>[^\s"'#]+)\k<quote>(?<trail>\s+#\s*ferry:image\s+(?<image>[a-z0-9-]+)(?<tagOnly>:tag)?\s*)$/;

export interface Marker {
  /** Path relative to the checkout. */
  file: string;
  /** 1-based. */
  line: number;
  image: string;
  /** `tag`: the value is `tag` or `tag@digest`; `reference`: `repository:tag[@digest]`. */
  form: "reference" | "tag";
  value: string;
}

/** A line that mentions the marker but that Ferry cannot edit safely; reported, never edited. */
export interface MarkerProblem {
  file: string;
  line: number;
  reason: string;
}

type AppSource = Pick<AppConfig, "name" | "path" | "source" | "destination">;

/** Regular YAML files under the app's render inputs (symlinks are not followed: nothing is written through one). */
async function candidateFiles(checkoutDir: string, app: AppSource): Promise<string[]> {
  const files = new Set<string>();
  for (const input of await appInputs(checkoutDir, app)) {
    const path = join(checkoutDir, input);
    const stats = await lstat(path).catch(() => undefined);
    if (stats?.isFile()) files.add(input);
    else if (stats?.isDirectory())
      for (const entry of await readdir(path, { withFileTypes: true, recursive: true }))
        if (entry.isFile() && /\.ya?ml$/.test(entry.name) && !entry.parentPath.includes("/.git"))
          files.add(relative(checkoutDir, join(entry.parentPath, entry.name)));
    if (files.size > MAX_FILES)
      throw new AppError(
        "RENDER_TOO_LARGE",
        `app ${app.name}: more than ${MAX_FILES} files to search for image markers`,
      );
  }
  return [...files].sort();
}

export function parseMarkedLine(text: string): Omit<Marker, "file" | "line"> | undefined {
  const match = MARKED_LINE.exec(text.replace(/\r$/, ""));
  if (!match?.groups) return undefined;
  const { value, image, tagOnly } = match.groups;
  return { image: image!, form: tagOnly ? "tag" : "reference", value: value! };
}

/** The markers (and unusable marker lines) of an app's render inputs in a checkout. */
export async function findMarkers(
  checkoutDir: string,
  app: AppSource,
): Promise<{ markers: Marker[]; problems: MarkerProblem[] }> {
  const markers: Marker[] = [];
  const problems: MarkerProblem[] = [];
  for (const file of await candidateFiles(checkoutDir, app)) {
    const path = join(checkoutDir, file);
    if ((await lstat(path)).size > MAX_FILE_BYTES) continue;
    const text = await readFile(path, "utf8");
    if (!text.includes(MARKER)) continue;
    text.split("\n").forEach((line, index) => {
      if (!line.includes(MARKER)) return;
      const parsed = parseMarkedLine(line);
      if (parsed) markers.push({ file, line: index + 1, ...parsed });
      else
        problems.push({
          file,
          line: index + 1,
          reason: "the marker must end a `key: value` or `- value` line whose value is one token",
        });
    });
  }
  return { markers, problems };
}

/** The new value of a marked line, or throws when the line does not hold this image. */
export function updatedValue(
  marker: Omit<Marker, "file" | "line">,
  image: ImageConfig,
  tag: string,
  digest?: string,
): string {
  if (!isValidTag(tag))
    throw new AppError("MANIFEST_INVALID", `refusing tag ${JSON.stringify(tag)}: not an OCI tag`);
  if (digest !== undefined && !isValidDigest(digest))
    throw new AppError("MANIFEST_INVALID", `refusing digest ${JSON.stringify(digest)}: not sha256:<64 hex>`);
  const pinned = image.pinDigest && digest ? `${tag}@${digest}` : tag;
  if (marker.form === "tag") return pinned;
  const withoutDigest = marker.value.replace(/@sha256:[a-f0-9]{64}$/, "");
  // The tag separator is a colon after the last slash (a registry host may carry a port).
  const colon = withoutDigest.lastIndexOf(":");
  const repository = colon > withoutDigest.lastIndexOf("/") ? withoutDigest.slice(0, colon) : withoutDigest;
  if (repository !== image.repository && !repository.endsWith(`/${image.repository}`))
    throw new AppError(
      "MANIFEST_INVALID",
      `the line names ${repository}, not the repository ${image.repository} of image ${image.name}`,
    );
  return `${repository}:${pinned}`;
}

/** `text` with the value of the marked line `lineNumber` replaced, every other byte unchanged. */
export function replaceMarkedValue(text: string, lineNumber: number, value: string): string {
  const lines = text.split("\n");
  const line = lines[lineNumber - 1];
  const match = line === undefined ? undefined : MARKED_LINE.exec(line.replace(/\r$/, ""));
  if (!match?.groups) throw new AppError("MANIFEST_INVALID", `line ${lineNumber} holds no image marker`);
  const { lead, quote, trail } = match.groups;
  lines[lineNumber - 1] = `${lead}${quote}${value}${quote}${trail}${line!.endsWith("\r") ? "\r" : ""}`;
  return lines.join("\n");
}

export interface LineChange {
  file: string;
  line: number;
  before: string;
  after: string;
}

/**
 * Writes `tag` (and, when the image pins digests, `digest`) on every line of the app's inputs
 * marked for `image`. Returns the lines that changed (none when they already said so).
 */
export async function applyImage(
  checkoutDir: string,
  app: AppSource,
  image: ImageConfig,
  tag: string,
  digest?: string,
): Promise<{ changes: LineChange[]; problems: MarkerProblem[] }> {
  const { changes, problems, texts } = await imageEdits(checkoutDir, app, image, tag, digest);
  for (const [file, text] of texts) await writeFile(join(checkoutDir, file), text);
  return { changes, problems };
}

/**
 * What applyImage would write, without writing: the changed lines and each changed file's whole
 * new text (path relative to the checkout), for a checkout that must stay as it is.
 */
export async function imageEdits(
  checkoutDir: string,
  app: AppSource,
  image: ImageConfig,
  tag: string,
  digest?: string,
): Promise<{ changes: LineChange[]; problems: MarkerProblem[]; texts: Map<string, string>; marked: number }> {
  const { markers, problems } = await findMarkers(checkoutDir, app);
  const mine = markers.filter((m) => m.image === image.name);
  const changes: LineChange[] = [];
  const texts = new Map<string, string>();
  for (const marker of mine) {
    let after: string;
    try {
      after = updatedValue(marker, image, tag, digest);
    } catch (error) {
      problems.push({ file: marker.file, line: marker.line, reason: (error as Error).message });
      continue;
    }
    if (after === marker.value) continue;
    const text = texts.get(marker.file) ?? (await readFile(join(checkoutDir, marker.file), "utf8"));
    texts.set(marker.file, replaceMarkedValue(text, marker.line, after));
    changes.push({ file: marker.file, line: marker.line, before: marker.value, after });
  }
  return { changes, problems, texts, marked: mine.length };
}
