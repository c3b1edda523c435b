import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load.ts";
import { commitUrlTemplate, publicUrlOf } from "../../../src/preview/publish.ts";

describe("commit links from the change request URL", () => {
  it.each([
    ["https://github.com/acme/deploy/pull/7", "https://github.com/acme/deploy/commit/{sha}"],
    ["https://ghe.example.com/acme/deploy/pull/7/", "https://ghe.example.com/acme/deploy/commit/{sha}"],
    [
      "https://gitlab.com/acme/platform/deploy/-/merge_requests/3",
      "https://gitlab.com/acme/platform/deploy/-/commit/{sha}",
    ],
    ["http://example.com/diaspora/merge_requests/1", "http://example.com/diaspora/-/commit/{sha}"],
  ])("%s", (url, expected) => {
    expect(commitUrlTemplate(url)).toBe(expected);
  });

  it.each([undefined, "javascript:alert(1)//pull/1", "https://github.com/acme/deploy/issues/7"])(
    "no link for %s",
    (url) => {
      expect(commitUrlTemplate(url)).toBeUndefined();
    },
  );
});

describe("public URL of the preview pages", () => {
  it("is server.publicUrl, else localhost on the configured port", () => {
    expect(publicUrlOf(parseConfig({ server: { publicUrl: "https://ferry.example.com" } }))).toBe(
      "https://ferry.example.com",
    );
    expect(publicUrlOf(parseConfig({ server: { port: 9090 } }))).toBe("http://localhost:9090");
  });
});
