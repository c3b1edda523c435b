import { setTimeout as delay } from "node:timers/promises";
import { isAppError } from "../errors.ts";

// Authentication and "not found" answers will not change on a second try; network blips will.
const permanent =
  /authentication failed|could not read username|http.* 40[134]|repository not found|not found/i;

export async function withRetries<T>(attempts: number, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const retryable = isAppError(error, "GIT_FAILED") && !permanent.test(error.message);
      if (!retryable || attempt >= attempts) throw error;
      await delay(250 * 2 ** (attempt - 1));
    }
  }
}
