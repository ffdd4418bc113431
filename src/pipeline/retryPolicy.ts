/**
 * Retry policies: the small algebra of `retry-ts` (a policy maps the retry status to an optional
 * delay; policies combine with a `Monoid`), plus full jitter and our defaults.
 *
 * @packageDocumentation
 */
import { pipe } from "fp-ts/function";
import * as O from "fp-ts/Option";
import * as RT from "retry-ts";
import type { RetryPolicy } from "retry-ts";
import {
  functionCodec,
  integerIn,
  NonNegativeMillis,
  RandomCodec,
  refine,
  strictOptions,
} from "../errors/codecs";
import { decodeOptions, decodeOptionsAs, InvalidOptionsError } from "../errors/InvalidOptionsError";

// retry-ts's own: typedoc shows retry-ts's comments for them (a comment here is not read), and files
// them under typedoc.json's defaultCategory, "Refresh policy", as they carry no @category.
export { Monoid as RetryPolicyMonoid, type RetryPolicy, type RetryStatus } from "retry-ts";

/** The most retries a policy may make in one refresh: more is a loop, not a policy. */
const MAX_RETRIES = 100;
const Retries = /* @__PURE__ */ integerIn(0, MAX_RETRIES);
const DelayMs = NonNegativeMillis;

/**
 * `retry-ts`'s `limitRetries`, with its input checked: `NaN` would retry forever and `-1` silently
 * never.
 *
 * @example
 * ```ts
 * import { limitRetries } from "aws-refresh-session/fp";
 *
 * const threeRetries = limitRetries(3);
 * ```
 * @category Refresh policy
 * @since 0.1.0
 */
export const limitRetries = (retries: number): RetryPolicy => {
  decodeOptions("limitRetries", strictOptions("limitRetries", { retries: Retries }, {}), { retries });
  return RT.limitRetries(retries);
};

/**
 * `retry-ts`'s `capDelay`, with its input checked: a delay a timer can wait, 0 or more.
 *
 * @example
 * ```ts
 * import { capDelay, exponentialBackoff } from "aws-refresh-session/fp";
 *
 * const capped = capDelay(5_000, exponentialBackoff(100));
 * ```
 * @category Refresh policy
 * @since 0.1.0
 */
export const capDelay = (maxDelayMs: number, policy: RetryPolicy): RetryPolicy => {
  decodeOptions(
    "capDelay",
    strictOptions("capDelay", { maxDelayMs: DelayMs, policy: functionCodec("a retry policy") }, {}),
    { maxDelayMs, policy },
  );
  return RT.capDelay(maxDelayMs, policy);
};

/**
 * `retry-ts`'s `exponentialBackoff`, with its input checked. Its delays grow without bound: cap them
 * with {@link capDelay}.
 *
 * @example
 * ```ts
 * import { exponentialBackoff } from "aws-refresh-session/fp";
 *
 * const doubling = exponentialBackoff(100); // 100, 200, 400, ... ms
 * ```
 * @category Refresh policy
 * @since 0.1.0
 */
export const exponentialBackoff = (baseDelayMs: number): RetryPolicy => {
  decodeOptions("exponentialBackoff", strictOptions("exponentialBackoff", { baseDelayMs: DelayMs }, {}), {
    baseDelayMs,
  });
  return RT.exponentialBackoff(baseDelayMs);
};

/**
 * `retry-ts`'s `constantDelay`, with its input checked.
 *
 * @example
 * ```ts
 * import { constantDelay, limitRetries, RetryPolicyMonoid } from "aws-refresh-session/fp";
 *
 * const everySecond = RetryPolicyMonoid.concat(constantDelay(1_000), limitRetries(5));
 * ```
 * @category Refresh policy
 * @since 0.1.0
 */
export const constantDelay = (delayMs: number): RetryPolicy => {
  decodeOptions("constantDelay", strictOptions("constantDelay", { delayMs: DelayMs }, {}), { delayMs });
  return RT.constantDelay(delayMs);
};

/**
 * `retry-ts`'s `limitRetriesByDelay`, with its input checked.
 *
 * @example
 * ```ts
 * import { exponentialBackoff, limitRetriesByDelay } from "aws-refresh-session/fp";
 *
 * const untilTheDelayPassesFiveSeconds = limitRetriesByDelay(5_000, exponentialBackoff(100));
 * ```
 * @category Refresh policy
 * @since 0.1.0
 */
export const limitRetriesByDelay = (maxDelayMs: number, policy: RetryPolicy): RetryPolicy => {
  decodeOptions(
    "limitRetriesByDelay",
    strictOptions(
      "limitRetriesByDelay",
      { maxDelayMs: DelayMs, policy: functionCodec("a retry policy") },
      {},
    ),
    { maxDelayMs, policy },
  );
  return RT.limitRetriesByDelay(maxDelayMs, policy);
};

/**
 * A source of random numbers in `[0, 1)`, like `Math.random`.
 *
 * @category Refresh policy
 * @since 0.1.0
 */
export type Random = () => number;

/**
 * "Full jitter": each delay of `policy` becomes a random delay between 0 and it, so that many clients
 * that failed together do not retry together (the AWS Architecture Blog's recommended variant).
 *
 * @example
 * ```ts
 * import { fullJitter } from "aws-refresh-session";
 * import { exponentialBackoff } from "aws-refresh-session/fp";
 *
 * const policy = fullJitter()(exponentialBackoff(100));
 * ```
 * @category Refresh policy
 * @since 0.1.0
 */
export const fullJitter =
  (random: Random = Math.random) =>
  (policy: RetryPolicy): RetryPolicy =>
  (status) =>
    pipe(
      policy(status),
      // A random source that strays out of [0, 1) (NaN, a negative) must not make a delay a timer
      // cannot wait: it is held to the range.
      O.map((delay) => Math.floor(unitInterval(random()) * delay)),
    );

const unitInterval = (n: number): number => (Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 0);

/**
 * Settings of {@link backoffPolicy}.
 *
 * @example
 * ```ts
 * import type { BackoffOptions } from "aws-refresh-session";
 *
 * const patient: BackoffOptions = { retries: 6, baseDelayMs: 200, maxDelayMs: 10_000 };
 * ```
 * @category Refresh policy
 * @since 0.1.0
 */
export interface BackoffOptions {
  /** Retries after the first attempt, an integer from 0 to 100. Default 3. */
  readonly retries?: number | undefined;
  /** The first delay before jitter, above 0; it doubles with each retry. Default 100 ms. */
  readonly baseDelayMs?: number | undefined;
  /** No delay exceeds this before jitter; not below `baseDelayMs`. Default 5,000 ms. */
  readonly maxDelayMs?: number | undefined;
  /** Random source of the jitter. Default `Math.random`. */
  readonly random?: Random | undefined;
}

const BackoffOptionsCodec = /* @__PURE__ */ strictOptions(
  "BackoffOptions",
  {},
  {
    retries: Retries,
    baseDelayMs: /* @__PURE__ */ PositiveDelayMs(),
    maxDelayMs: /* @__PURE__ */ PositiveDelayMs(),
    random: RandomCodec,
  },
);

function PositiveDelayMs() {
  return refine(DelayMs, (ms) => ms > 0, "a number of milliseconds above 0");
}

/**
 * Exponential back-off with full jitter, capped, with a limited number of retries: the shape the
 * SDK's own standard retry strategy has. It answers as `retry-ts`'s pieces composed:
 * `Monoid.concat(fullJitter(random)(capDelay(maxDelayMs, exponentialBackoff(baseDelayMs))), limitRetries(retries))`.
 *
 * @example
 * ```ts
 * import { backoffPolicy, retryWith } from "aws-refresh-session";
 *
 * const retryPatiently = retryWith(backoffPolicy({ retries: 6, maxDelayMs: 20_000 }));
 * ```
 * @category Refresh policy
 * @since 0.1.0
 */
export const backoffPolicy = (options: BackoffOptions = {}): RetryPolicy => {
  const {
    retries = 3,
    baseDelayMs = 100,
    maxDelayMs = Math.max(5_000, baseDelayMs),
    random = Math.random,
  } = decodeOptionsAs<BackoffOptions>()("backoffPolicy", BackoffOptionsCodec, options);
  if (maxDelayMs < baseDelayMs) {
    throw new InvalidOptionsError("backoffPolicy", [
      {
        path: "maxDelayMs",
        rule: `not below baseDelayMs (${baseDelayMs}): it caps the delays that start there (got ${maxDelayMs})`,
      },
    ]);
  }
  // Written out rather than composed from retry-ts's combinators, which answer the same (a property
  // test checks it): the composition brings fp-ts's Monoid, Semigroup and Ord and retry-ts itself
  // (1.6 KB minified) into the bundle of every program, since every refreshing provider uses this.
  // fp-ts's Options as plain values for the same reason: importing O.none brings fp-ts/Option's
  // top-level calls, which no bundler can drop.
  return (status) =>
    status.iterNumber >= retries
      ? { _tag: "None" }
      : {
          _tag: "Some",
          value: Math.floor(
            unitInterval(random()) * Math.min(maxDelayMs, baseDelayMs * 2 ** status.iterNumber),
          ),
        };
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
 * @category Refresh policy
 * @since 0.1.0
 */
export const defaultRetryPolicy: RetryPolicy = /* @__PURE__ */ backoffPolicy();
