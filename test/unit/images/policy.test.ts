// Image policies: which tag is the newest one a policy accepts, and which tags are never taken.
import { describe, expect, it } from "vitest";
import { imagePolicySchema } from "../../../src/config/schema.ts";
import { isNewer, isValidTag, newestTag, policyProblem } from "../../../src/images/policy.ts";

const policy = (input: unknown) => imagePolicySchema.parse(input);

describe("newestTag", () => {
  it("takes the highest version inside a semver range, whatever the listing order", () => {
    const range = policy({ semver: ">=1.0.0 <2.0.0" });
    expect(newestTag(range, ["1.2.0", "2.0.0", "1.10.1", "1.9.9", "latest", "0.9.0"])).toBe("1.10.1");
    expect(newestTag(range, ["2.0.0", "0.1.0", "main"])).toBeUndefined();
  });

  it("leaves pre-releases out unless the range names one", () => {
    expect(newestTag(policy({ semver: "^1.0.0" }), ["1.2.0", "1.3.0-rc.1"])).toBe("1.2.0");
    expect(newestTag(policy({ semver: ">=1.3.0-rc.0 <2" }), ["1.2.0", "1.3.0-rc.1"])).toBe("1.3.0-rc.1");
  });

  it("orders a pattern's named group as a number, of any length", () => {
    const timestamps = policy({ pattern: "^main-(?P<ts>[0-9]+)$", order: "numeric" });
    const tags = [
      "main-9",
      "main-10",
      "main-20261126220000",
      "main-20261126215959",
      "feature-99999999999999",
    ];
    expect(newestTag(timestamps, tags)).toBe("main-20261126220000");
    // Alphabetical order of the same group would pick "main-9".
    expect(newestTag(policy({ pattern: "^main-(?<ts>[0-9]+)$" }), tags)).toBe("main-9");
  });

  it("requires the pattern to match the whole tag", () => {
    const main = policy({ pattern: "main-(?<n>[0-9]+)", order: "numeric" });
    expect(newestTag(main, ["main-1", "main-2-rollback", "x-main-3"])).toBe("main-1");
  });

  it("never takes a tag outside the OCI grammar, even when the policy would", () => {
    const anything = policy({ pattern: ".*" });
    const hostile = [
      "z$(touch /tmp/x)",
      "z\nkey: value",
      "z # comment",
      "-leading-dash",
      "z".repeat(129),
      "",
    ];
    for (const tag of hostile) expect(isValidTag(tag), JSON.stringify(tag)).toBe(false);
    expect(newestTag(anything, [...hostile, "a1"])).toBe("a1");
    expect(isValidTag("v1.2.3_build-4")).toBe(true);
  });
});

describe("isNewer", () => {
  it("says a candidate is newer only when the policy takes it over the current tag", () => {
    const range = policy({ semver: ">=1.0.0 <2.0.0" });
    expect(isNewer(range, "1.3.0", "1.2.0")).toBe(true);
    expect(isNewer(range, "1.2.0", "1.3.0")).toBe(false);
    expect(isNewer(range, "1.2.0", "1.2.0")).toBe(false);
    expect(isNewer(range, "2.0.0", "1.2.0")).toBe(false);
  });
});

describe("policyProblem", () => {
  it("refuses a range or pattern that cannot be used, and accepts good ones", () => {
    expect(policyProblem(policy({ semver: "not a range" }))).toMatch(/not a semver range/);
    expect(policyProblem(policy({ pattern: "^main-(" }))).toMatch(/not a regular expression/);
    expect(policyProblem(policy({ semver: ">=1.0.0 <2.0.0" }))).toBeUndefined();
    expect(policyProblem(policy({ pattern: "^main-(?P<ts>[0-9]+)$", order: "numeric" }))).toBeUndefined();
  });
});
