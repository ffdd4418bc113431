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
 * @category Errors
 * @since 0.1.0
 */
export const isRetryableError = (error: unknown): boolean => {
  if (error instanceof CredentialRefreshError) return error.retryable;
  if (typeof error !== "object" || error === null) return false;
  const sdkError = error as SdkErrorLike;
  if (isAbortError(error)) return false;
  return isThrottlingError(sdkError) || isTransientError(sdkError) || isServerError(sdkError);
};

/**
 * How many upstream calls an error stands for: the SDK records its own attempts in
 * `$metadata.attempts`, and our errors in `attempts`. Counting them keeps retries from multiplying
 * unseen when an STS client retries under our {@link retryWith}.
 *
 * @since 0.1.0
 * @internal
 */
export const attemptsOf = (error: unknown): number => {
  if (error instanceof CredentialRefreshError) return error.attempts;
  const attempts = (error as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  return typeof attempts === "number" && attempts > 0 ? attempts : 1;
};

/**
 * Whether `error` is a caller giving up (an aborted signal), which is never retried, wrapped or
 * reported as a failure of the source.
 *
 * @internal
 */
export const isAbortError = (error: unknown): boolean =>
  (error as { name?: unknown } | null)?.name === "AbortError";

/**
 * Any thrown value as a {@link CredentialRefreshError}: the one place failures are turned into one.
 * One already is (given back, or copied with the `attempts` given); anything else is wrapped, its
 * description after `context` (`"<context> failed: <description>"`), with `retryable` (by default,
 * "not non-recoverable": {@link isNonRecoverableError}) and `attempts` read from it, and the original
 * as `cause`.
 *
 * @internal
 */
export const asCredentialRefreshError = (
  error: unknown,
  options: {
    /** What failed, such as "STS AssumeRole for arn:...". */
    readonly context?: string;
    /** Upstream attempts behind the failure, when the caller counted them. */
    readonly attempts?: number;
    /** Overrides the default rule (the STS sources use the SDK's classification). */
    readonly retryable?: boolean;
  } = {},
): CredentialRefreshError => {
  const { context, attempts, retryable } = options;
  if (error instanceof CredentialRefreshError) {
    if (
      (attempts === undefined || attempts === error.attempts) &&
      error.retryable === !isNonRecoverableError(error)
    )
      return error;
    return new CredentialRefreshError(error.message, {
      // Its cause may be non-recoverable though the error that wraps it said otherwise (a token
      // function's AccessDenied): the one rule decides, looking through the causes.
      retryable: error.retryable && !isNonRecoverableError(error),
      attempts,
      cause: error.cause ?? error,
    });
  }
  const description = describeError(error);
  return new CredentialRefreshError(
    context === undefined ? description : `${context} failed: ${description}`,
    {
      retryable: retryable ?? !isNonRecoverableError(error),
      attempts: attempts ?? attemptsOf(error),
      cause: error,
    },
  );
};
