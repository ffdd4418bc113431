import { systemClock, type Clock } from "../core/Clock";
import { ClockCodec, NonEmptyString, PositiveMillis, strictOptions } from "../errors/codecs";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";
import type { ProviderTransform } from "../core/CredentialProvider";
import { refreshIntentOf } from "../core/refreshIntent";
import { decodeOptionsAs, isChecked } from "../errors/InvalidOptionsError";
import { sourceNameOf } from "../core/sourceName";

/**
 * Options of {@link withTimeout}.
 *
 * @example
 * ```ts
 * import { systemClock, type WithTimeoutOptions } from "aws-refresh-session";
 *
 * const options: WithTimeoutOptions = { clock: systemClock, name: "the vault" };
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export interface WithTimeoutOptions {
  /** Measures the timeout. Default: {@link systemClock}. */
  readonly clock?: Clock | undefined;
  /**
   * What the source is called in the timeout's message ("the vault did not answer within 5000 ms").
   * Default: the name the sources of this library carry (`STS AssumeRole for <role ARN>`, the container
   * credential endpoint), else "the credential source".
   */
  readonly name?: string | undefined;
}

const WithTimeoutCodec = /* @__PURE__ */ strictOptions(
  "withTimeout",
  { ms: PositiveMillis },
  { clock: ClockCodec, name: NonEmptyString },
);

/**
 * Gives each call of the provider `ms` milliseconds, then aborts it (through the `signal` it passes
 * down, which the STS client honours) and fails with a retryable {@link CredentialRefreshError} that
 * names the source.
 *
 * Why: the SDK sets no timeout on requests by default, so a hung STS connection would hang every
 * caller behind it. Put it under {@link retryWith} so that each attempt has its own timeout and a
 * timed-out attempt is retried. `ms` is at most `MAX_TIMER_MS` (2³¹−1 ms), the longest a timer can wait.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { assumeRole, retryWith, withTimeout } from "aws-refresh-session";
 *
 * const credentials = pipe(
 *   assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" }),
 *   withTimeout(5_000),
 *   retryWith(),
 * );
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export const withTimeout = (ms: number, options: WithTimeoutOptions = {}): ProviderTransform => {
  // Options a policy checked come with an `ms` it checked too: neither is checked again.
  const { clock = systemClock, name: given } = isChecked(options)
    ? options
    : decodeOptionsAs<WithTimeoutOptions & { ms: number }>()("withTimeout", WithTimeoutCodec, {
        ms,
        ...options,
      });
  return (provider) => {
    const name = given ?? sourceNameOf(provider) ?? "the credential source";
    return (providerOptions) => {
      const attempt = new AbortController();
      const callerSignal = providerOptions?.signal;
      const onCallerAbort = (): void => {
        attempt.abort(callerSignal?.reason);
      };
      if (callerSignal?.aborted === true) onCallerAbort();
      else callerSignal?.addEventListener("abort", onCallerAbort, { once: true });

      const timer = new AbortController();
      // Only a background refresh's timeout may let the process exit; a caller waiting on it must not.
      const { background } = refreshIntentOf(providerOptions);
      const timedOut = clock.sleep(ms, timer.signal, { background }).then(() => {
        const error = new CredentialRefreshError(`${name} did not answer within ${ms} ms`, {
          retryable: true,
          cause: Object.assign(new Error(`timed out after ${ms} ms`), { name: "TimeoutError" }),
        });
        attempt.abort(error);
        throw error;
      });
      const call = Promise.resolve().then(() => provider({ ...providerOptions, signal: attempt.signal }));
      // Whichever loses the race must not surface as an unhandled rejection.
      timedOut.catch(() => undefined);
      call.catch(() => undefined);
      return Promise.race([call, timedOut]).finally(() => {
        timer.abort();
        callerSignal?.removeEventListener("abort", onCallerAbort);
      });
    };
  };
};
