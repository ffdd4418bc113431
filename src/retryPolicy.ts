/**
 * Retry policies: the small algebra of `retry-ts` (a policy maps the retry status to an optional
 * delay; policies combine with a `Monoid`), plus full jitter and our defaults.
 *
 * @packageDocumentation
 */
import { pipe } from "fp-ts/function";
import * as O from "fp-ts/Option";
import { capDelay, exponentialBackoff, limitRetries, Monoid, type RetryPolicy } from "retry-ts";

export {
  capDelay,
  constantDelay,
  exponentialBackoff,
  limitRetries,
  limitRetriesByDelay,
  Monoid as RetryPolicyMonoid,
  type RetryPolicy,
  type RetryStatus,
} from "retry-ts";

/**
 * A source of random numbers in `[0, 1)`, like `Math.random`.
 *
 * @example
 * ```ts
 * import type { Random } from "aws-refresh-session";
 *
 * const alwaysHalf: Random = () => 0.5;
 * ```
 * @since 0.1.0
 */
export type Random = () => number;

/**
 * "Full jitter": each delay of `policy` becomes a random delay between 0 and it, so that many clients
 * that failed together do not retry together (the AWS Architecture Blog's recommended variant).
 *
 * @example
 * ```ts
 * import { exponentialBackoff, fullJitter } from "aws-refresh-session";
 *
 * const policy = fullJitter()(exponentialBackoff(100));
 * ```
 * @since 0.1.0
 */
export const fullJitter =
  (random: Random = Math.random) =>
  (policy: RetryPolicy): RetryPolicy =>
  (status) =>
    pipe(
      policy(status),
      O.map((delay) => Math.floor(random() * delay)),
    );

/**
 * Settings of {@link backoffPolicy}.
 *
 * @example
 * ```ts
 * import type { BackoffOptions } from "aws-refresh-session";
 *
 * const patient: BackoffOptions = { retries: 6, baseDelayMs: 200, maxDelayMs: 10_000 };
 * ```
 * @since 0.1.0
 */
export interface BackoffOptions {
  /** Retries after the first attempt. Default 3. */
  readonly retries?: number;
  /** The first delay before jitter; it doubles with each retry. Default 100 ms. */
  readonly baseDelayMs?: number;
  /** No delay exceeds this before jitter. Default 5,000 ms. */
  readonly maxDelayMs?: number;
  /** Random source of the jitter. Default `Math.random`. */
  readonly random?: Random;
}

/**
 * Exponential back-off with full jitter, capped, with a limited number of retries: the shape the
 * SDK's own standard retry strategy has, built from the `retry-ts` pieces.
 *
 * @example
 * ```ts
 * import { backoffPolicy, retryWith } from "aws-refresh-session";
 *
 * const retryPatiently = retryWith(backoffPolicy({ retries: 6, maxDelayMs: 20_000 }));
 * ```
 * @since 0.1.0
 */
export const backoffPolicy = (options: BackoffOptions = {}): RetryPolicy => {
  const { retries = 3, baseDelayMs = 100, maxDelayMs = 5_000, random = Math.random } = options;
  return Monoid.concat(
    pipe(exponentialBackoff(baseDelayMs), (policy) => capDelay(maxDelayMs, policy), fullJitter(random)),
    limitRetries(retries),
  );
};

/**
 * The policy {@link retryWith} uses when given none: `backoffPolicy()`, that is 3 retries (4 attempts
 * in all) after jittered delays of at most 100, 200 and 400 ms.
 *
 * @example
 * ```ts
 * import { defaultRetryPolicy, retryWith } from "aws-refresh-session";
 *
 * const retrying = retryWith(defaultRetryPolicy);
 * ```
 * @since 0.1.0
 */
export const defaultRetryPolicy: RetryPolicy = backoffPolicy();
