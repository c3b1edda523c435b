import { describe, expect, it } from "vitest";
import { SCRUBBED, scrubberFor, scrubText } from "../../../src/observability/scrub.ts";

describe("the scrubber", () => {
  const value = "hunter2-database-password";
  const encoded = Buffer.from(value).toString("base64");

  it("removes a value and its base64, with or without padding, longest first", () => {
    const text = `denied: password ${value}, data ${encoded}, prefix ${encoded.replace(/=+$/, "")}`;
    expect(scrubText(text, [value, "hunter2"])).toBe(
      `denied: password ${SCRUBBED}, data ${SCRUBBED}${encoded.endsWith("=") ? encoded.match(/=+$/)?.[0] : ""}, prefix ${SCRUBBED}`,
    );
  });

  it("scrubs every string of a record and leaves other values", () => {
    const scrub = scrubberFor([value]);
    const record = { summary: [`Secret db: webhook said ${value}`], count: 3, ok: true, none: null };
    expect(scrub.deep(record)).toEqual({
      summary: [`Secret db: webhook said ${SCRUBBED}`],
      count: 3,
      ok: true,
      none: null,
    });
    expect(scrub(`x ${value} y`)).toBe(`x ${SCRUBBED} y`);
  });

  it("catches credentials by shape without a list", () => {
    expect(scrubText("clone https://x-access-token:abc12345@github.com/a/b failed")).toBe(
      `clone https://${SCRUBBED}@github.com/a/b failed`,
    );
    expect(scrubText("authorization: token ghp_abcdefghijklmnopqrstuvwxyz0123")).toBe(
      `authorization: token ${SCRUBBED}`,
    );
    expect(scrubText("the token controller failed")).toBe("the token controller failed");
  });
});
