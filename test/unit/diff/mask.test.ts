import { describe, expect, it } from "vitest";
import { blockingError, maskOne, maskPair, sensitiveValues } from "../../../src/diff/mask.ts";
import { scrubText } from "../../../src/observability/scrub.ts";
import { configMap, secret } from "./objects.ts";

const b64 = (text: string): string => Buffer.from(text).toString("base64");

describe("maskPair", () => {
  it("gives equal values equal placeholders and changed values a changed marker", () => {
    const before = secret({ user: "admin", password: "hunter2-old-pass" });
    const after = secret({ user: "admin", password: "correct horse battery" });
    const masked = maskPair(before, after);
    expect(masked.before?.data).toEqual({ user: "++++++++ (5 bytes)", password: "++++++++ (16 bytes)" });
    expect(masked.after?.data).toEqual({
      user: "++++++++ (5 bytes)",
      password: "++++++++ (changed, 16 → 21 bytes)",
    });
  });

  it("marks added and removed keys with their decoded byte length", () => {
    const masked = maskPair(secret({ old: "abcdef" }), secret({ fresh: "xyz" }));
    expect(masked.before?.data).toEqual({ old: "++++++++ (removed, 6 bytes)" });
    expect(masked.after?.data).toEqual({ fresh: "++++++++ (added, 3 bytes)" });
  });

  it("masks stringData by UTF-8 length and a whole new or deleted Secret", () => {
    const withStringData = { ...secret({}), stringData: { token: "élan-1234" } };
    expect(maskOne(withStringData).stringData).toEqual({ token: "++++++++ (added, 10 bytes)" });
    expect(maskPair(secret({ a: "1234" }), undefined).before?.data).toEqual({
      a: "++++++++ (removed, 4 bytes)",
    });
  });

  it("masks ConfigMap values only under sensitive keys, with a configurable pattern", () => {
    const map = configMap({ LOG_LEVEL: "debug", DB_PASSWORD: "s3cr3t-value", api_key: "k-123456" });
    expect(maskOne(map).data).toEqual({
      LOG_LEVEL: "debug",
      DB_PASSWORD: "++++++++ (added, 12 bytes)",
      api_key: "++++++++ (added, 8 bytes)",
    });
    expect(maskOne(map, /^LOG_/g).data).toEqual({
      LOG_LEVEL: "++++++++ (added, 5 bytes)",
      DB_PASSWORD: "s3cr3t-value",
      api_key: "k-123456",
    });
  });

  it("drops the last-applied annotation, which holds a copy of the data", () => {
    const object = secret({ password: "hunter2-hunter2" });
    object.metadata.annotations = {
      "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify(object),
    };
    const masked = maskOne(object);
    expect(JSON.stringify(masked)).not.toContain(b64("hunter2-hunter2"));
    expect(masked.metadata.annotations).toBeUndefined();
  });

  it("never mutates its inputs", () => {
    const before = secret({ password: "one-value" });
    const copy = structuredClone(before);
    maskPair(before, secret({ password: "two-value" }));
    expect(before).toEqual(copy);
  });
});

describe("scrubText", () => {
  it("removes raw, base64 and JSON-escaped secret values and bearer tokens", () => {
    const values = sensitiveValues([
      secret({ password: "p@ss\nword-1" }),
      configMap({ token: "tok-987654" }),
    ]);
    const message =
      `Secret "db" is invalid: data[password]: "p@ss\\nword-1" (${b64("p@ss\nword-1")}); ` +
      `cm token tok-987654; Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig`;
    const scrubbed = scrubText(message, values);
    expect(scrubbed).not.toContain("p@ss");
    expect(scrubbed).not.toContain(b64("p@ss\nword-1"));
    expect(scrubbed).not.toContain("tok-987654");
    expect(scrubbed).not.toContain("eyJhbGci");
    expect(scrubbed).toContain('Secret "db" is invalid');
    expect(scrubbed).toContain("Bearer ********");
  });

  it("turns an API failure into a blocking finding with a scrubbed message", () => {
    const error = blockingError({ message: "denied: value sup3rs3cret", reason: "Forbidden", code: 403 }, [
      "sup3rs3cret",
    ]);
    expect(error).toEqual({
      message: "denied: value ********",
      reason: "Forbidden",
      code: 403,
      blocking: true,
    });
  });
});

describe("scrubText patterns", () => {
  it("removes key=value credentials but leaves ordinary words alone", () => {
    expect(scrubText("GET /x?access_token=abcd1234&b=1 failed", [])).toBe(
      "GET /x?access_token=********&b=1 failed",
    );
    expect(scrubText("the token controller failed; password: must be set", [])).toBe(
      "the token controller failed; password: must be set",
    );
    expect(scrubText("Authorization: Basic dXNlcjpwYXNzd29yZA==", [])).toBe("Authorization: Basic ********");
  });
});
