// Distribution notifications: only a push of a tagged image manifest of a followed repository
// counts, and a hostile tag, digest or envelope is set aside with its reason.
import { describe, expect, it } from "vitest";
import { webImage } from "../../support/images.ts";
import { followedPushes } from "../../../src/images/notifications.ts";
import { distributionPushes } from "../../../src/images/notifications/distribution.ts";

const web = webImage();
const DIGEST = `sha256:${"0f".repeat(32)}`;
const OCI = "application/vnd.oci.image.manifest.v1+json";
const push = (id: string, target: Record<string, unknown>, action = "push") => ({
  id,
  action,
  target: { mediaType: OCI, repository: "acme/web", digest: DIGEST, ...target },
});

describe("followedPushes of Distribution envelopes", () => {
  it("keeps tagged image pushes of followed repositories on this registry only", () => {
    const pushes = distributionPushes({
      events: [
        push("1", { tag: "1.2.0" }),
        push("2", { tag: "1.2.0" }, "pull"),
        push("3", {}),
        push("4", { tag: "1.2.0", repository: "acme/other" }),
        push("5", { tag: "1.3.0", mediaType: "application/vnd.docker.distribution.manifest.v2+json" }),
      ],
    });
    expect(followedPushes(pushes, "harbor", [web])).toEqual({
      pushed: [
        { eventId: "1", image: "web", repository: "acme/web", tag: "1.2.0", digest: DIGEST },
        { eventId: "5", image: "web", repository: "acme/web", tag: "1.3.0", digest: DIGEST },
      ],
      ignored: [],
    });
    expect(followedPushes(pushes, "dockerhub", [web]).pushed).toEqual([]);
  });

  it("sets aside metacharacter tags, bad digests and manifest lists, with a reason each", () => {
    const pushes = distributionPushes({
      events: [
        push("1", { tag: "1.2.0$(reboot)" }),
        push("2", { tag: "1.2.0\nevil: true" }),
        push("3", { tag: "1.2.0", digest: "sha256:../../etc" }),
        push("4", { tag: "1.2.0", mediaType: "application/vnd.docker.distribution.manifest.list.v2+json" }),
      ],
    });
    const { pushed, ignored } = followedPushes(pushes, "harbor", [web]);
    expect(pushed).toEqual([]);
    expect(ignored).toEqual([
      { eventId: "1", reason: 'acme/web:"1.2.0$(reboot)": the tag is not an OCI tag' },
      { eventId: "2", reason: 'acme/web:"1.2.0\\nevil: true": the tag is not an OCI tag' },
      { eventId: "3", reason: 'acme/web:"1.2.0": the digest is not sha256:<64 hex>' },
      {
        eventId: "4",
        reason:
          'acme/web:"1.2.0" is a application/vnd.docker.distribution.manifest.list.v2+json push, not one image',
      },
    ]);
  });

  it("refuses an envelope that is not one, or too big", () => {
    expect(() => distributionPushes({ events: "push" })).toThrow(/registry notification payload: events/);
    expect(() => distributionPushes({ events: Array.from({ length: 1_001 }, () => push("x", {})) })).toThrow(
      /registry notification payload: events/,
    );
  });
});
