// Every failure Ferry knows about carries a code. One table says what a code means for an
// HTTP answer, for a job retry and for the text shown on a merge request, so that decision
// is made in exactly one place instead of at each catch.

export const errorCodes = {
  CONFIG_INVALID: { http: 500, retryable: false, summary: "Ferry's configuration is invalid" },
  USAGE: { http: 400, retryable: false, summary: "Invalid usage" },
  WEBHOOK_UNAUTHORIZED: { http: 401, retryable: false, summary: "Webhook signature or token is invalid" },
  WEBHOOK_MALFORMED: { http: 400, retryable: false, summary: "Webhook body is malformed" },
  WEBHOOK_TOO_LARGE: { http: 413, retryable: false, summary: "Webhook body is too large" },
  WEBHOOK_UNSUPPORTED_MEDIA: { http: 415, retryable: false, summary: "Unsupported content type" },
  FORGE_UNKNOWN: { http: 404, retryable: false, summary: "Unknown forge" },
  NOT_FOUND: { http: 404, retryable: false, summary: "Not found" },
  PREVIEW_SUPERSEDED: { http: 410, retryable: false, summary: "A newer preview replaced this one" },
  QUEUE_UNAVAILABLE: { http: 503, retryable: true, summary: "The job queue is unavailable" },
  RECEIVER_BUSY: { http: 503, retryable: true, summary: "The receiver is busy; retry later" },
  GIT_FAILED: { http: 502, retryable: true, summary: "Git operation failed" },
  GIT_REF_NOT_FOUND: { http: 404, retryable: false, summary: "Git revision not found" },
  PATH_ESCAPE: { http: 400, retryable: false, summary: "A path escapes the repository" },
  TOOL_MISSING: { http: 500, retryable: false, summary: "A program Ferry runs (helm, kubectl) is missing" },
  RENDER_FAILED: { http: 422, retryable: false, summary: "Rendering the manifests failed" },
  RENDER_TIMEOUT: { http: 422, retryable: false, summary: "Rendering timed out" },
  RENDER_TOO_LARGE: { http: 422, retryable: false, summary: "Rendered output is too large" },
  RENDER_OUT_OF_MEMORY: { http: 422, retryable: false, summary: "Rendering needed too much memory" },
  MANIFEST_INVALID: { http: 422, retryable: false, summary: "A manifest is invalid" },
  KUBE_UNAVAILABLE: { http: 503, retryable: true, summary: "The cluster is unreachable" },
  KUBE_REJECTED: { http: 422, retryable: false, summary: "The cluster rejected an object" },
  REGISTRY_FAILED: { http: 502, retryable: true, summary: "The container registry could not be read" },
  IMAGE_REFUSED: { http: 422, retryable: false, summary: "An image or registry answer was refused" },
  FORGE_API_FAILED: { http: 502, retryable: true, summary: "The forge API call failed" },
  SYNC_FAILED: { http: 500, retryable: false, summary: "Sync failed" },
  POLICY_DENIED: { http: 403, retryable: false, summary: "Refused by the app's project" },
  PRUNE_REFUSED: { http: 409, retryable: false, summary: "Prune refused by a safety rule" },
  HEALTH_TIMEOUT: { http: 500, retryable: false, summary: "Health not reached in time" },
  UI_SIGN_IN_REQUIRED: { http: 401, retryable: false, summary: "Sign in to use the web UI" },
  UI_FORBIDDEN: { http: 403, retryable: false, summary: "Your role does not allow this" },
  UI_CSRF: { http: 403, retryable: false, summary: "The form's CSRF token is missing or wrong" },
  OIDC_FAILED: { http: 401, retryable: false, summary: "Signing in with the OpenID provider failed" },
  INTERNAL: { http: 500, retryable: true, summary: "Internal error" },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; retryable?: boolean; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.retryable = options.retryable ?? errorCodes[code].retryable;
    this.details = options.details;
  }

  get httpStatus(): number {
    return errorCodes[this.code].http;
  }
}

export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(error: unknown, fallback: ErrorCode = "INTERNAL"): AppError {
  if (error instanceof AppError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError(fallback, message, { cause: error });
}
