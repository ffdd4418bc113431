import { CredentialRefreshError, describeError } from "./CredentialRefreshError";
import { nonRecoverableCodeOf } from "./isNonRecoverableError";

/**
 * Whether trying again could succeed: the one classification of a failure, made once where it happens
 * (the STS sources, {@link fromFunction}, the pipeline around any provider) and carried by the
 * {@link CredentialRefreshError} it becomes, whose `retryable` every later step reads.
 *
 * A failure is non-recoverable, and not retryable, only when its code (or a code of one of its causes)
 * is one of {@link NON_RECOVERABLE_ERROR_CODES}: the AWS SDKs' specification's list, plus
 * `ValidationError`. Everything else is retryable: throttling, 5xx, timeouts, network errors, a
 * cut-off or garbled answer, a proxy's page, `IDPCommunicationError`, credentials the caller's key was
 * rejected for, and codes this library does not know (an unknown code must not fail callers who hold
 * valid credentials). An abort is not retryable: the caller gave up. A {@link CredentialRefreshError}
 * says for itself.
 *
 * @example
 * ```ts
 * import { isRetryableError } from "aws-refresh-session";
 *
 * isRetryableError(Object.assign(new Error("Rate exceeded"), { name: "Throttling" })); // true
 * isRetryableError(Object.assign(new Error("?"), { name: "SomeNewCode" })); // true
 * isRetryableError(Object.assign(new Error("not authorized"), { name: "AccessDenied" })); // false
 * ```
 * @category Errors
 * @since 0.1.0
 */
export const isRetryableError = (error: unknown): boolean => {
  if (error instanceof CredentialRefreshError) return error.retryable;
  if (isAbortError(error)) return false;
  return nonRecoverableCodeOf(error) === undefined;
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
 * Any thrown value as a {@link CredentialRefreshError}: the one place failures are turned into one, and
 * so the one place a failure is classified ({@link isRetryableError}). One already is: given back, or
 * copied with the `attempts` given, keeping its own classification. Anything else is wrapped, its
 * description after `context` (`"<context> failed: <description>"`, keys and tokens hidden), with
 * `attempts` read from it and a plain record of it as `cause`.
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
  } = {},
): CredentialRefreshError => {
  const { context, attempts } = options;
  if (error instanceof CredentialRefreshError) {
    if (attempts === undefined || attempts === error.attempts) return error;
    return new CredentialRefreshError(error.message, {
      retryable: error.retryable,
      attempts,
      cause: error.cause ?? error,
    });
  }
  const description = describeError(error);
  return new CredentialRefreshError(
    context === undefined ? description : `${context} failed: ${description}`,
    {
      // An abort that reaches here is not the caller's (theirs passes through untouched, never wrapped):
      // the source gave up on something of its own, a timeout, and another attempt may succeed.
      retryable: isAbortError(error) || isRetryableError(error),
      attempts: attempts ?? attemptsOf(error),
      cause: error,
    },
  );
};
