import { imageSchema, type ImageConfig } from "../../src/config/schema.ts";

/** The image policy the image-update tests follow: acme/web, 1.x, for the app "web". */
export function webImage(fields: Record<string, unknown> = {}): ImageConfig {
  return imageSchema.parse({
    name: "web",
    registry: "harbor",
    repository: "acme/web",
    policy: { semver: ">=1.0.0 <2.0.0" },
    apps: ["web"],
    ...fields,
  });
}
