import { isServerError, isThrottlingError, isTransientError } from "@smithy/core/retry";
import { CredentialRefreshError, describeError } from "./CredentialRefreshError";
import { isNonRecoverableError } from "./isNonRecoverableError";

type SdkErrorLike = Parameters<typeof isTransientError>[0];

/**
 * Whether trying again could succeed: throttling, 5xx, timeouts, network errors, and clock-skew
 * errors the SDK has corrected, as the SDK's own retry strategy classifies them (`@smithy/core/retry`),
 * so a failure we retry is one the SDK would retry too. Denials (`AccessDenied`), validation errors and aborts are not
 * retryable. A {@link CredentialRefreshError} says for itself.
 *
 * @example
 * ```ts
 * import { isRetryableError } from "aws-refresh-session";
 *
 * isRetryableError(Object.assign(new Error("Rate exceeded"), { name: "Throttling" })); // true
 * isRetryableError(Object.assign(new Error("not authorized"), { name: "AccessDenied" })); // false
 * ```
 * @since 0.1.0
 */
export const isRetryableError = (error: unknown): boolean => {
  if (error instanceof CredentialRefreshError) return error.retryable;
  if (typeof error !== "object" || error === null) return false;
  const sdkError = error as SdkErrorLike;
  if (sdkError.name === "AbortError") return false;
  return isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError);
};

/**
 * How many upstream calls an error stands for: the SDK records its own attempts in
 * `$metadata.attempts`, and our errors in `attempts`. Counting them keeps retries from multiplying
 * unseen when an STS client retries under our {@link retryWith}.
 *
 * @example
 * ```ts
 * import { attemptsOf } from "aws-refresh-session";
 *
 * attemptsOf(Object.assign(new Error("slow down"), { $metadata: { attempts: 3 } })); // 3
 * ```
 * @since 0.1.0
 */
export const attemptsOf = (error: unknown): number => {
  if (error instanceof CredentialRefreshError) return error.attempts;
  const attempts = (error as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  return typeof attempts === "number" && attempts > 0 ? attempts : 1;
};

/**
 * Any thrown value as a {@link CredentialRefreshError}: one already is; anything else is wrapped, with
 * `retryable` and `attempts` read from it and the original as `cause`.
 *
 * @example
 * ```ts
 * import { asCredentialRefreshError } from "aws-refresh-session";
 *
 * asCredentialRefreshError(Object.assign(new Error("Rate exceeded"), { name: "Throttling" })).retryable; // true
 * ```
 * @since 0.1.0
 */
export const asCredentialRefreshError = (error: unknown): CredentialRefreshError =>
  error instanceof CredentialRefreshError
    ? error
    : new CredentialRefreshError(describeError(error), {
        retryable: !isNonRecoverableError(error),
        attempts: attemptsOf(error),
        cause: error,
      });
