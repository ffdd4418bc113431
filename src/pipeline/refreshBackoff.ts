import type { Random } from "./retryPolicy";

/**
 * What a {@link RefreshBackoff} is told when a refresh has failed.
 *
 * @category Refresh policy
 * @since 0.2.0
 */
export interface RefreshBackoffContext {
  /** Failed refreshes in a row, this one included (1 after the first failure). */
  readonly failures: number;
  /** The advisory window of the credentials held (0 when none are held). */
  readonly advisoryWindowMs: number;
  /** The provider's random source, for jitter. */
  readonly random: Random;
}

/**
 * How long, after a failed refresh, the credential source is left alone: callers in between are
 * served the cached credentials (or the cached error) without touching the source.
 *
 * @example
 * ```ts
 * import type { RefreshBackoff } from "aws-refresh-session";
 *
 * // One minute, whatever happens: a policy of your own.
 * const everyMinute: RefreshBackoff = () => 60_000;
 * ```
 * @category Refresh policy
 * @since 0.2.0
 */
export type RefreshBackoff = (context: RefreshBackoffContext) => number;

/**
 * The AWS SDKs' shared specification's refresh backoff: a uniform random 300 to 600 seconds after
 * every failure.
 *
 * @example
 * ```ts
 * import { refreshingRole, specRefreshBackoff } from "aws-refresh-session";
 *
 * const credentials = refreshingRole({
 *   roleArn: "arn:aws:iam::123456789012:role/Reader",
 *   backoff: specRefreshBackoff,
 * });
 * ```
 * @category Refresh policy
 * @since 0.2.0
 */
export const specRefreshBackoff: RefreshBackoff = ({ random }) => 300_000 + random() * 300_000;

/**
 * Options of {@link exponentialRefreshBackoff}.
 *
 * @example
 * ```ts
 * import type { ExponentialRefreshBackoffOptions } from "aws-refresh-session";
 *
 * const options: ExponentialRefreshBackoffOptions = { maxDelayMs: 5 * 60_000 };
 * ```
 * @category Refresh policy
 * @since 0.2.0
 */
export interface ExponentialRefreshBackoffOptions {
  /**
   * The first delay (before jitter) as a fraction of the advisory window. Default 1/15: a 15-minute
   * window starts at one minute.
   */
  readonly firstDelayFraction?: number;
  /** No delay (before jitter) exceeds this. Default 450 seconds. */
  readonly maxDelayMs?: number;
  /** No delay is shorter than this. Default 1 second. */
  readonly minDelayMs?: number;
}

/**
 * A backoff that starts short and doubles, scaled to the credentials' advisory window, with equal
 * jitter (each delay is uniform between half and all of its nominal value).
 *
 * Why this shape is the default: the first background attempt comes in the first half of the advisory
 * window, and delays of `w/15, 2w/15, 4w/15` (at most `7w/15` in all) leave at least four attempts
 * before the credentials expire, so a short outage is ridden out without any caller noticing. In a
 * long outage the delays reach the cap (uniform 225–450 s by default): 1.5 times the specification's
 * 300–600 s rate once there, about 1.8 times over a 30-minute outage in all, for a shorter wait from
 * the source's recovery to fresh credentials. `npm run bench` measures both.
 *
 * @example
 * ```ts
 * import { exponentialRefreshBackoff, refreshingRole } from "aws-refresh-session";
 *
 * const credentials = refreshingRole({
 *   roleArn: "arn:aws:iam::123456789012:role/Reader",
 *   backoff: exponentialRefreshBackoff({ maxDelayMs: 10 * 60_000 }),
 * });
 * ```
 * @category Refresh policy
 * @since 0.2.0
 */
export const exponentialRefreshBackoff = (options: ExponentialRefreshBackoffOptions = {}): RefreshBackoff => {
  const { firstDelayFraction = 1 / 15, maxDelayMs = 450_000, minDelayMs = 1_000 } = options;
  return ({ failures, advisoryWindowMs, random }) => {
    const nominal = Math.min(
      maxDelayMs,
      Math.max(minDelayMs, advisoryWindowMs * firstDelayFraction) *
        2 ** Math.min(30, Math.max(0, failures - 1)),
    );
    return Math.max(minDelayMs, nominal / 2 + (random() * nominal) / 2);
  };
};

/**
 * The default refresh backoff: {@link exponentialRefreshBackoff} with its defaults.
 *
 * @example
 * ```ts
 * import { defaultRefreshBackoff } from "aws-refresh-session";
 *
 * defaultRefreshBackoff({ failures: 1, advisoryWindowMs: 15 * 60_000, random: () => 1 }); // 60000
 * ```
 * @category Refresh policy
 * @since 0.2.0
 */
export const defaultRefreshBackoff: RefreshBackoff = /* @__PURE__ */ exponentialRefreshBackoff();
