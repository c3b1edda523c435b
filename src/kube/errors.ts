// API answers become AppErrors in one place: a 4xx keeps the API's Status (message, reason,
// code, causes) in details, because previews show it to people; 5xx, 429 and network
// failures mean "try again later".
import { z } from "zod";
import { AppError, isAppError } from "../errors.ts";

const statusSchema = z.looseObject({
  kind: z.literal("Status"),
  message: z.string().optional(),
  reason: z.string().optional(),
  code: z.number().optional(),
  details: z
    .looseObject({
      causes: z
        .array(
          z.looseObject({
            reason: z.string().optional(),
            message: z.string().optional(),
            field: z.string().optional(),
          }),
        )
        .optional(),
    })
    .optional(),
});

export type ApiStatus = z.infer<typeof statusSchema>;

export function parseStatus(body: unknown): ApiStatus | undefined {
  const parsed = statusSchema.safeParse(body);
  return parsed.success ? parsed.data : undefined;
}

export function apiError(what: string, httpStatus: number, body: unknown): AppError {
  const status = parseStatus(body);
  const message = status?.message ?? (typeof body === "string" && body ? body : `HTTP ${httpStatus}`);
  const details = {
    httpStatus,
    reason: status?.reason,
    code: status?.code ?? httpStatus,
    message,
    causes: status?.details?.causes,
  };
  // 429 is the apiserver asking to back off; it is no verdict on the object.
  const code = httpStatus >= 500 || httpStatus === 429 ? "KUBE_UNAVAILABLE" : "KUBE_REJECTED";
  return new AppError(code, `${what}: ${message}`, { details });
}

export function networkError(what: string, error: unknown): AppError {
  const reason = error instanceof Error ? error.message : String(error);
  return new AppError("KUBE_UNAVAILABLE", `${what}: ${reason}`, { cause: error });
}

/** The API refused the caller (RBAC): 403 Forbidden. */
export function isForbidden(error: unknown): error is AppError {
  return isAppError(error, "KUBE_REJECTED") && error.details?.httpStatus === 403;
}
