import type { Clock } from "../core/Clock";
import { ClockCodec, strictOptions } from "../errors/codecs";
import type { CredentialProvider } from "../core/CredentialProvider";
import { decodeOptionsAs } from "../errors/InvalidOptionsError";
import { refreshAheadWith } from "./refreshAhead";

/**
 * Options of {@link memoizeUntil}.
 *
 * @category Combinators
 * @since 0.1.0
 */
export interface MemoizeUntilOptions {
  /** Decides when cached credentials have expired. Default: {@link systemClock}. */
  readonly clock?: Clock | undefined;
}

const MemoizeUntilOptionsCodec = /* @__PURE__ */ strictOptions(
  "MemoizeUntilOptions",
  {},
  { clock: ClockCodec },
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
 * Caches the last credentials until their `expiration`, as read from the clock.
 *
 * - Concurrent callers share one upstream call: 10,000 callers on a cold or expired cache cause
 *   exactly one call.
 * - A failed call is not cached: every caller waiting on it gets the error, and the next call tries
 *   again.
 * - Credentials that are already expired when they arrive are never returned (the callers get a
 *   {@link CredentialRefreshError}).
 * - `forceRefresh` skips the cache but still joins the call in flight, if any.
 * - A caller's `signal` stops that caller waiting, not the shared call, which others may be awaiting.
 *
 * Put {@link withExpiryBuffer} before it so that "expired" comes with a safety margin. The result is
 * marked `memoized`, so SDK clients use it as it is instead of adding their own cache.
 *
 * @example
 * ```ts
 * import { pipe } from "fp-ts/function";
 * import { S3Client } from "@aws-sdk/client-s3";
 * import { assumeRole, memoizeUntil, withExpiryBuffer } from "aws-refresh-session";
 *
 * const credentials = pipe(
 *   assumeRole({ roleArn: "arn:aws:iam::123456789012:role/Reader", region: "eu-west-1" }),
 *   withExpiryBuffer(60_000),
 *   memoizeUntil(),
 * );
 * const s3 = new S3Client({ region: "eu-west-1", credentials });
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export const memoizeUntil = (
  options: MemoizeUntilOptions = {},
): ((provider: CredentialProvider) => MemoizedProvider) => {
  const { clock } = decodeOptionsAs<MemoizeUntilOptions>()("memoizeUntil", MemoizeUntilOptionsCodec, options);
  // One implementation of caching: refreshAhead with no windows, no backoff and no error cache is
  // exactly this rule.
  return refreshAheadWith(
    {
      advisoryWindowMs: 0,
      mandatoryWindowMs: 0,
      backoff: () => 0,
      ...(clock === undefined ? {} : { clock }),
    },
    { errorCacheMs: [0, 0], minBackoffMs: 0 },
  );
};
