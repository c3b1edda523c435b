// The commit Ferry itself last pushed to each app's image branch (src/images/propose.ts), and
// the image policy it was for. Automatic merges (src/images/auto-merge.ts) ask for it: only that
// exact commit is ever merged without a person. A git author line proves nothing — anyone who
// can push may write "Ferry <ferry@noreply.invalid>" — but a commit id Ferry noted when it
// pushed does: whoever pushes to the branch afterwards moves its head off the noted commit.
// The note is sealed (src/state/seal.ts) for its app: whoever can write to Redis, the receiver
// included, cannot name a commit of their own, nor move one app's note to another.
import { z } from "zod";
import { parseJsonOrUndefined } from "../json.ts";
import { imagePushKey } from "../keys.ts";
import type { RedisClient } from "../queue/connection.ts";
import type { StateSeal } from "../state/seal.ts";

const pushSchema = z.object({
  commit: z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/),
  /** The images[].name whose update it is. */
  image: z.string().min(1).max(63),
});
export type ImagePush = z.infer<typeof pushSchema>;

/** Long enough for any merge request's preview; the key goes by itself once nobody asks. */
const KEEP_SECONDS = 30 * 24 * 3600;

export interface ImagePushes {
  record(app: string, push: ImagePush): Promise<void>;
  /** The last push, or undefined when there is none (or what is stored does not open or parse). */
  last(app: string): Promise<ImagePush | undefined>;
}

export function imagePushes(
  redis: RedisClient,
  prefix: string,
  seal: Pick<StateSeal, "seal" | "open">,
): ImagePushes {
  const context = (app: string) => `image-push:${app}`;
  return {
    record: async (app, push) => {
      const sealed = seal.seal(context(app), Buffer.from(JSON.stringify(pushSchema.parse(push))));
      await redis.set(imagePushKey(prefix, app), sealed, "EX", KEEP_SECONDS);
    },
    last: async (app) => {
      const stored = await redis.getBuffer(imagePushKey(prefix, app));
      const opened = stored === null ? undefined : seal.open("image-push", context(app), stored);
      return opened === undefined ? undefined : parseJsonOrUndefined(pushSchema, opened.toString("utf8"));
    },
  };
}
