import { systemClock, type Clock } from "./Clock";
import { ClockCodec, NonNegativeMillis, strictOptions } from "./codecs";
import { CredentialRefreshError } from "./CredentialRefreshError";
import type { ProviderTransform } from "./CredentialProvider";
import { decodeOptions } from "./InvalidOptionsError";

/**
 * Options of {@link withTimeout}.
 *
 * @example
 * ```ts
 * import { systemClock, type WithTimeoutOptions } from "aws-refresh-session";
 *
 * const options: WithTimeoutOptions = { clock: systemClock };
 * ```
 * @since 0.1.0
 */
export interface WithTimeoutOptions {
  /** Measures the timeout. Default: {@link systemClock}. */
  readonly clock?: Clock;
}

const WithTimeoutCodec = strictOptions("withTimeout", { ms: NonNegativeMillis }, { clock: ClockCodec });

/**
 * Gives each call of the provider `ms` milliseconds, then aborts it (through the `signal` it passes
 * down, which the STS client honours) and fails with a retryable {@link CredentialRefreshError}.
 *
 * Why: the SDK sets no timeout on requests by default, so a hung STS connection would hang every
 * caller behind it. Put it under {@link retryWith} so that each attempt has its own timeout and a
 * timed-out attempt is retried.
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
 * @since 0.1.0
 */
export const withTimeout = (ms: number, options: WithTimeoutOptions = {}): ProviderTransform => {
  const { clock = systemClock } = decodeOptions("withTimeout", WithTimeoutCodec, { ms, ...options }) as {
    clock?: Clock;
  };
  return (provider) => (providerOptions) => {
    const attempt = new AbortController();
    const callerSignal = providerOptions?.signal;
    const onCallerAbort = (): void => {
      attempt.abort(callerSignal?.reason);
    };
    if (callerSignal?.aborted === true) onCallerAbort();
    else callerSignal?.addEventListener("abort", onCallerAbort, { once: true });

    const timer = new AbortController();
    const timedOut = clock.sleep(ms, timer.signal, { background: true }).then(() => {
      const error = new CredentialRefreshError(`the credential source did not answer within ${ms} ms`, {
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
