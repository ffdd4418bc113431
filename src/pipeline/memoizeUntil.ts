import type { Clock } from "../core/Clock";
import { ClockCodec, NonNegativeMillis, strictOptions } from "../errors/codecs";
import type { CredentialProvider } from "../core/CredentialProvider";
import { decodeOptionsAs } from "../errors/InvalidOptionsError";
import { refreshAhead, withInternals } from "./refreshAhead";

/**
 * Options of {@link memoizeUntil}.
 *
 * @example
 * ```ts
 * import type { MemoizeUntilOptions } from "aws-refresh-session";
 *
 * const options: MemoizeUntilOptions = { marginMs: 5 * 60_000 };
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export interface MemoizeUntilOptions {
  /** Decides when cached credentials have expired. Default: {@link systemClock}. */
  readonly clock?: Clock | undefined;
  /**
   * How long before their real expiration the cached credentials are replaced: a request signed just
   * before must still be valid when AWS checks it, after queueing and retries. The margin is the
   * cache's own: callers always see the source's real `expiration`, so caches nest (a cache with a
   * margin over a source that is itself such a cache, as a vault or a broker is). Credentials that
   * arrive with no more than this left are a failed refresh. Default 0.
   */
  readonly marginMs?: number | undefined;
}

const MemoizeUntilOptionsCodec = /* @__PURE__ */ strictOptions(
  "MemoizeUntilOptions",
  {},
  { clock: ClockCodec, marginMs: NonNegativeMillis },
);

/**
 * A provider that the AWS SDK recognises as already caching: SDK clients then call it for every
 * request instead of wrapping it in their own cache, which would refresh on its own fixed 5-minute
 * window, once per client, blocking requests meanwhile.
 *
 * @example
 * ```ts
 * import { assumeRole, memoizeUntil, type MemoizedProvider } from "aws-refresh-session";
 *
 * const cached: MemoizedProvider = memoizeUntil()(assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader" }));
 * console.log(cached.memoized); // true
 * ```
 * @category Types
 * @since 0.1.0
 */
export interface MemoizedProvider extends CredentialProvider {
  readonly memoized: true;
}

/**
 * Caches the last credentials until `marginMs` before their `expiration`, as read from the clock.
 *
 * - Concurrent callers share one upstream call: 10,000 callers on a cold or expired cache cause
 *   exactly one call.
 * - A failed call is not cached: every caller waiting on it gets the error, and the next call tries
 *   again.
 * - Credentials that arrive already expired, or with no more than `marginMs` left, are never returned
 *   (a failed refresh: the callers get a {@link CredentialRefreshError}, or the cached credentials
 *   while those are valid).
 * - When the margin is reached, the layers below are told which key is being replaced, so that a
 *   cache among them ({@link withCache}, another `memoizeUntil`) hands over newer credentials, not
 *   the same ones.
 * - `forceRefresh` skips the cache but still joins the call in flight, if any.
 * - A caller's `signal` stops that caller waiting, not the shared call, which others may be awaiting.
 *
 * The result is marked `memoized`, so SDK clients use it as it is instead of adding their own cache.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { assumeRole, memoizeUntil } from "aws-refresh-session";
 *
 * // Replaced a minute before STS's expiration, which callers see as it is.
 * const credentials = pipe(
 *   assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" }),
 *   memoizeUntil({ marginMs: 60_000 }),
 * );
 * const s3 = new S3Client({ region: "eu-west-1", credentials });
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export const memoizeUntil = (
  options: MemoizeUntilOptions = {},
): ((provider: CredentialProvider) => MemoizedProvider) => {
  const { clock, marginMs = 0 } = decodeOptionsAs<MemoizeUntilOptions>()(
    "memoizeUntil",
    MemoizeUntilOptionsCodec,
    options,
  );
  // One implementation of caching: refreshAhead with no advisory window, the margin as its mandatory
  // window, no backoff and no error cache is exactly this rule.
  return refreshAhead(
    withInternals(
      {
        advisoryWindowMs: 0,
        mandatoryWindowMs: marginMs,
        backoff: () => 0,
        ...(clock === undefined ? {} : { clock }),
      },
      { errorCacheMs: [0, 0], minBackoffMs: 0 },
    ),
  );
};
