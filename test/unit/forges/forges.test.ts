import { describe, expect, it } from "vitest";
import { forgeApiError, scrub } from "../../../src/forges/errors.ts";
import { createForges } from "../../../src/forges/index.ts";
import { hasMarker, markerPrefix, sameBody, truncate, withMarker } from "../../../src/forges/marker.ts";

describe("marker", () => {
  it("adds the marker only when the body lacks it, and matches by prefix", () => {
    expect(withMarker("preview key=a", "x")).toBe("<!-- ferry:preview key=a -->\nx");
    const own = "<!-- ferry:preview key=a head=abc -->\nx";
    expect(withMarker("preview key=a", own)).toBe(own);
    expect(hasMarker("preview key=a", own)).toBe(true);
    // key=a must not match key=ab: the prefix ends with a space.
    expect(hasMarker("preview key=a", "<!-- ferry:preview key=ab -->")).toBe(false);
    expect(hasMarker("k", `quoted ${markerPrefix("k")}`)).toBe(false);
  });

  it("treats CRLF and LF bodies as equal and cuts long text with an ellipsis", () => {
    expect(sameBody("a\r\nb", "a\nb")).toBe(true);
    expect(sameBody("a", "b")).toBe(false);
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abc", 4)).toBe("abc");
  });
});

describe("forge API errors", () => {
  const call = { forge: "gh", method: "GET", route: "/x" };
  it.each([
    [500, "boom", true],
    [502, "bad gateway", true],
    [429, "Retry later", true],
    [403, "You have exceeded a secondary rate limit", true],
    [403, "Resource not accessible by integration", false],
    [401, "Bad credentials", false],
    [404, "Not Found", false],
    [undefined, "ECONNRESET", true],
  ])("status %s (%s) → retryable %s", (status, message, retryable) => {
    const error = forgeApiError(call, status, message);
    expect([error.code, error.retryable, error.details?.status]).toEqual([
      "FORGE_API_FAILED",
      retryable,
      status,
    ]);
  });

  it("scrubs a token echoed in a message", () => {
    expect(scrub("bad token s3cr3t here", "s3cr3t")).toBe("bad token ******** here");
    expect(scrub("nothing", undefined)).toBe("nothing");
  });
});

describe("createForges", () => {
  it("builds one forge per configured name with the right type", () => {
    const forges = createForges({
      forges: [
        { name: "gh", type: "github", apiUrl: "https://api.github.com", insecureAcceptUnsigned: false },
        {
          name: "gl",
          type: "gitlab",
          url: "https://gitlab.example",
          token: "t",
          insecureAcceptUnsigned: false,
        },
      ],
    });
    expect([...forges].map(([name, forge]) => [name, forge.type, forge.name])).toEqual([
      ["gh", "github", "gh"],
      ["gl", "gitlab", "gl"],
    ]);
    expect("openRevertRequest" in (forges.get("gh") ?? {})).toBe(false);
    expect(typeof forges.get("gl")?.openRevertRequest).toBe("function");
  });
});
