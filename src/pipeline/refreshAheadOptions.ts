/**
 * The options of `refreshAhead` and their checks, apart from the provider they configure: the
 * policies (`refreshing`, `refreshingRole`...) check the same fields with codecs of their own and reuse
 * these pieces.
 */
import type { Logger } from "@smithy/types";
import * as t from "io-ts";
import type { Clock } from "../core/Clock";
import type { CredentialProvider } from "../core/CredentialProvider";
import {
  ClockCodec,
  ListenerCodec,
  LoggerCodec,
  NonNegativeMillis,
  RandomCodec,
  refine,
  RefreshBackoffCodec,
  strictOptions,
} from "../errors/codecs";
import { checkedElsewhere } from "../errors/InvalidOptionsError";
import type { ProviderTelemetry } from "../telemetry/credentialMetrics";
import type { RefreshBackoff } from "./refreshBackoff";
import type { RefreshEvent } from "./refreshEvent";
import type { Random } from "./retryPolicy";

/**
 * Options of {@link refreshAhead}.
 *
 * @example
 * ```ts
 * import type { RefreshAheadOptions } from "aws-refresh-session";
 *
 * const options: RefreshAheadOptions = { mandatoryWindowMs: 2 * 60_000, onEvent: (event) => console.log(event.type) };
 * ```
 * @category Combinators
 * @since 0.1.0
 */
export interface RefreshAheadOptions {
  /**
   * The advisory window: how long before the real expiration a background refresh may start, while
   * callers keep getting the cached credentials. Default: chosen per credential from its lifetime, as
   * the AWS SDKs do (see {@link defaultAdvisoryWindowMs}); a configured value overrides the table.
   * 0 turns refreshing ahead off. Never more than three quarters of a credential's lifetime.
   */
  readonly advisoryWindowMs?: number | undefined;
  /**
   * The mandatory window: from this long before the real expiration, callers wait for one shared
   * refresh (if it fails, they still get the cached credentials while those are valid). Default one
   * minute; never more than half the advisory window. Credentials that arrive with no more than this
   * left (a skewed clock, a source handing out old credentials) are a failed refresh: set it below
   * the lifetime of a source's shortest credentials.
   */
  readonly mandatoryWindowMs?: number | undefined;
  /**
   * The fraction of the advisory window (up to the mandatory one), from its start, over which the
   * moment of the background refresh is spread at random, so a fleet started together does not call
   * STS together. The rest is left for attempts after a failure. From 0 to 1; default 0.5.
   */
  readonly jitter?: number | undefined;
  /** The random source of the jitter and the backoff. Default `Math.random`. */
  readonly random?: Random | undefined;
  /**
   * How long the source is left alone after a failed refresh. Default {@link defaultRefreshBackoff};
   * {@link specRefreshBackoff} is the AWS SDKs' uniform 300–600 s.
   */
  readonly backoff?: RefreshBackoff | undefined;
  /**
   * After the real expiration, with the source still failing, serve the expired credentials instead
   * of raising a {@link CredentialRefreshError}, as the AWS SDKs' specification does. Only for
   * sources whose services honour a grace period (instance metadata); AWS rejects expired STS
   * tokens. Default false.
   */
  readonly serveExpired?: boolean | undefined;
  /** Reads the time and schedules the background refresh. Default: {@link systemClock}. */
  readonly clock?: Clock | undefined;
  /** Hears every {@link RefreshEvent}. */
  readonly onEvent?: ((event: RefreshEvent) => void) | undefined;
  /** An SDK-style logger (`console` will do) that gets one line per event. */
  readonly logger?: Logger | undefined;
}

/** @internal */
export const UnitInterval = /* @__PURE__ */ refine(t.number, (n) => n >= 0 && n <= 1, "a number from 0 to 1");

/**
 * The codec of {@link RefreshAheadOptions}. Unknown option names are errors.
 *
 * @internal
 */
export const RefreshAheadCodec = /* @__PURE__ */ strictOptions(
  "RefreshAheadOptions",
  {},
  {
    advisoryWindowMs: NonNegativeMillis,
    mandatoryWindowMs: NonNegativeMillis,
    jitter: UnitInterval,
    random: RandomCodec,
    backoff: RefreshBackoffCodec,
    serveExpired: t.boolean,
    clock: ClockCodec,
    onEvent: ListenerCodec,
    logger: LoggerCodec,
  },
);

/**
 * Knobs that are not options users set: `memoizeUntil` builds on `refreshAhead` with them.
 *
 * @internal
 */
export interface RefreshAheadInternals {
  /** How long a non-recoverable error is cached; default 1–5 s. `memoizeUntil` turns it off. */
  readonly errorCacheMs?: readonly [number, number];
  /** The shortest backoff; default 1 s. `memoizeUntil`, which has no background refresh, uses 0. */
  readonly minBackoffMs?: number;
  /**
   * Makes the provider's OpenTelemetry listener (see `credentialTelemetry`), given its source and the
   * time; called once per provider. It hears the events, and what the edge alone knows: calls held
   * back by the backoff, disposal. Never called on a cache hit.
   */
  readonly telemetry?: (source: CredentialProvider, now: () => number) => ProviderTelemetry;
}

/** Module-private: only `withInternals` sets it, and user options decoded by a codec never hold it. */
const INTERNALS = Symbol("aws-refresh-session.refreshAheadInternals");

/**
 * Options a policy checked, with the internal knobs that are no option of users: what the policies
 * and `memoizeUntil` give `refreshAhead`, which then checks nothing again.
 *
 * @internal
 */
export const withInternals = (
  checked: RefreshAheadOptions,
  internals: RefreshAheadInternals,
): RefreshAheadOptions => checkedElsewhere({ ...checked, [INTERNALS]: internals });

/** @internal */
export const internalsOf = (options: RefreshAheadOptions): RefreshAheadInternals =>
  (options as { [INTERNALS]?: RefreshAheadInternals })[INTERNALS] ?? {};

/**
 * Options that cannot work together: a mandatory window that leaves no room for a background
 * refresh. (Windows longer than a credential's life are clamped per credential instead, since a
 * source's lifetimes are only known when its credentials arrive.)
 *
 * @internal
 */
export const refreshWindowIssues = (options: {
  readonly advisoryWindowMs?: number | undefined;
  readonly mandatoryWindowMs?: number | undefined;
}): Array<{ path: string; rule: string }> => {
  const { advisoryWindowMs, mandatoryWindowMs } = options;
  if (advisoryWindowMs === undefined || mandatoryWindowMs === undefined || advisoryWindowMs === 0) return [];
  return mandatoryWindowMs >= advisoryWindowMs
    ? [
        {
          path: "mandatoryWindowMs",
          rule: `must be shorter than advisoryWindowMs (${advisoryWindowMs}), else no refresh could run in the background (got ${mandatoryWindowMs})`,
        },
      ]
    : [];
};
