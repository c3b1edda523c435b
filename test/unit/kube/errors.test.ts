import { describe, expect, it } from "vitest";
import { apiError, networkError } from "../../../src/kube/errors.ts";

const status = (code: number, reason: string, message: string) => ({
  kind: "Status",
  apiVersion: "v1",
  status: "Failure",
  message,
  reason,
  code,
});

describe("API errors", () => {
  it("keeps a 4xx Status's message, reason and code as KUBE_REJECTED", () => {
    const error = apiError(
      "apply v1 ConfigMap a/b",
      403,
      status(403, "Forbidden", 'configmaps "b" is forbidden'),
    );
    expect(error.code).toBe("KUBE_REJECTED");
    expect(error.retryable).toBe(false);
    expect(error.message).toBe('apply v1 ConfigMap a/b: configmaps "b" is forbidden');
    expect(error.details).toMatchObject({ httpStatus: 403, reason: "Forbidden", code: 403 });
  });

  it("treats 5xx, 429 and network failures as KUBE_UNAVAILABLE (retryable)", () => {
    expect(apiError("get", 503, "service unavailable")).toMatchObject({
      code: "KUBE_UNAVAILABLE",
      retryable: true,
    });
    expect(apiError("get", 429, status(429, "TooManyRequests", "slow down"))).toMatchObject({
      code: "KUBE_UNAVAILABLE",
      details: { reason: "TooManyRequests" },
    });
    expect(networkError("get", new Error("ECONNREFUSED"))).toMatchObject({
      code: "KUBE_UNAVAILABLE",
      retryable: true,
    });
  });

  it("falls back to the HTTP status when the body is no Status", () => {
    expect(apiError("get", 400, undefined).message).toBe("get: HTTP 400");
  });
});
