// The images a deploy records (src/images/deployed.ts), with what the pipeline knows: the
// revision live before it (its clear-text mark: for display only, it decides nothing) bounds the
// commits whose image-update trailers are read, and earlier records keep what an image update
// said about an image that is still running.
import type { AppConfig } from "../config/schema.ts";
import { deployedImages, type DeployedImage } from "../images/deployed.ts";
import type { KubeObject } from "../kube/types.ts";
import type { Logger } from "../observability/logger.ts";
import type { Runtime } from "../runtime/context.ts";
import { readHealthyMark, readHistory } from "../sync/history.ts";

export async function imagesOfRevision(
  runtime: Pick<Runtime, "git" | "location" | "redis" | "prefix">,
  app: AppConfig,
  revision: string,
  objects: readonly KubeObject[],
  logger: Logger,
): Promise<DeployedImage[]> {
  const [history, live] = await Promise.all([
    readHistory(runtime.redis, runtime.prefix, app.name),
    readHealthyMark(runtime.redis, runtime.prefix, app.name),
  ]);
  return deployedImages({
    git: runtime.git,
    location: runtime.location(app),
    objects,
    revision,
    ...(live ? { since: live.revision } : {}),
    earlier: history.map((record) => record.images),
    logger,
  });
}
