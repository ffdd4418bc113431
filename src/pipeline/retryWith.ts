import type { RetryPolicy, RetryStatus } from "retry-ts";
import { systemClock, type Clock } from "../core/Clock";
import { ClockCodec, functionCodec, ListenerCodec, RetryPolicyCodec, strictOptions } from "../errors/codecs";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";
import type { ProviderTransform } from "../core/CredentialProvider";
import { refreshIntentOf } from "../core/refreshIntent";
import { decodeOptions, decodeOptionsAs, isChecked } from "../errors/InvalidOptionsError";
import {
  asCredentialRefreshError,
  attemptsOf,
  isAbortError,
  isRetryableError,
} from "../errors/isRetryableError";
import { defaultRetryPolicy } from "./retryPolicy";
import { safeListener } from "../core/safeListener";

/**
 * What {@link RetryOptions.onRetry} hears before each wait.
 *
 * @example
 * ```ts
 * import type { RetryEvent } from "aws-refresh-session";
 *
 * const log = ({ attempts, delayMs, error }: RetryEvent) =>
 *   console.warn(`credential refresh failed (${attempts} attempts so far), retrying in ${delayMs} ms`, error.message);
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export interface RetryEvent {
  /** Upstream attempts made so far, the STS client's own included. */
  readonly attempts: number;
  /** How long we wait before the next attempt. */
  readonly delayMs: number;
  /** Why the last attempt failed. Its message holds no secrets. */
  readonly error: CredentialRefreshError;
}

/**
 * Options of {@link retryWith}.
 *
 * @example
 * ```ts
 * import { isRetryableError, type RetryOptions } from "aws-refresh-session";
 *
 * const options: RetryOptions = {
 *   // A stricter rule than the default: never retry a caller key STS rejected.
 *   isRetryable: (error) => isRetryableError(error) && (error as { code?: string }).code !== "InvalidClientTokenId",
 *   onRetry: ({ delayMs }) => console.warn(`retrying in ${delayMs} ms`),
 * };
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export interface RetryOptions {
  /** Waits between attempts. Default: {@link systemClock}. */
  readonly clock?: Clock | undefined;
  /** Which failures are worth another attempt. Default: {@link isRetryableError}. */
  readonly isRetryable?: ((error: unknown) => boolean) | undefined;
  /** Told before each wait; for logs and metrics. */
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
}

const RetryOptionsCodec = /* @__PURE__ */ strictOptions(
  "RetryOptions",
  {},
  {
    clock: ClockCodec,
    isRetryable: /* @__PURE__ */ functionCodec("a function (error) => boolean"),
    onRetry: ListenerCodec,
  },
);

/**
 * Retries a failing provider according to `policy`, waiting through the clock.
 *
 * Every recoverable failure is retried (throttling, 5xx, timeouts, network errors, a garbled answer,
 * an unknown error code; see {@link isRetryableError}): only the non-recoverable ones, such as
 * `AccessDenied` or a validation error, fail at once. When it gives up it
 * throws a {@link CredentialRefreshError} with the number of upstream attempts, the STS client's own
 * retries included (they are read from `$metadata.attempts`), so attempts never multiply unseen. The
 * STS clients this library builds make one attempt per call, leaving the retrying to this function.
 *
 * A caller's `signal` cuts a wait short; the provider's call is given the same signal.
 *
 * @param policy - when to retry and how long to wait; default {@link defaultRetryPolicy}. Build your
 * own from `retry-ts` pieces: `limitRetries`, `exponentialBackoff`, `capDelay`, {@link fullJitter}.
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, backoffPolicy, memoizeUntil, retryWith } from "aws-refresh-session";
 *
 * const credentials = pipe(
 *   assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" }),
 *   retryWith(backoffPolicy({ retries: 5 }), { onRetry: ({ delayMs }) => console.warn(`retry in ${delayMs} ms`) }),
 *   memoizeUntil(),
 * );
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export const retryWith = (
  policy: RetryPolicy = defaultRetryPolicy,
  options: RetryOptions = {},
): ProviderTransform => {
  // Options a policy checked come with a retry policy it checked too: neither is checked again.
  if (!isChecked(options)) decodeOptions("retryWith", RetryPolicyCodec, policy);
  const {
    clock = systemClock,
    isRetryable = isRetryableError,
    onRetry: listener,
  } = decodeOptionsAs<RetryOptions>()("retryWith", RetryOptionsCodec, options);
  const onRetry = listener === undefined ? undefined : safeListener("onRetry", listener);

  return (provider) => async (providerOptions) => {
    // retry-ts's defaultRetryStatus and applyPolicy, written out: importing them would bring retry-ts
    // and fp-ts's Option module into every bundle.
    let status: RetryStatus = { iterNumber: 0, cumulativeDelay: 0, previousDelay: { _tag: "None" } };
    let attempts = 0;
    for (;;) {
      try {
        return await provider(providerOptions);
      } catch (error) {
        if (isAbortError(error)) throw error;
        attempts += attemptsOf(error);
        // Classified once, where it is caught: what is thrown and what onRetry hears is this error.
        const failure = asCredentialRefreshError(error, { attempts });
        if (!isRetryable(error)) throw failure;
        const previousDelay = policy(status);
        if (previousDelay._tag === "None") throw failure;
        const delayMs = previousDelay.value;
        status = {
          iterNumber: status.iterNumber + 1,
          cumulativeDelay: status.cumulativeDelay + delayMs,
          previousDelay,
        };
        onRetry?.({ attempts, delayMs, error: failure });
        // A background refresh's waits must not keep the process alive; a caller's wait does.
        await clock.sleep(delayMs, providerOptions?.signal, {
          background: refreshIntentOf(providerOptions).background,
        });
      }
    }
  };
};
