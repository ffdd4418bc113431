/**
 * The timeline of one set of credentials: when they are refreshed in the background, from when
 * callers wait for a refresh, when they expire. Fixed when they arrive, it is most of what the
 * refresh rules look at.
 */
import type { Credentials } from "../core/CredentialProvider";

const MINUTE = 60_000;

/**
 * The advisory window the AWS SDKs' shared specification picks for credentials of a given lifetime
 * (expiration minus the moment they were fetched): 5 minutes up to 20 minutes of life, 15 minutes
 * below 90 minutes, 60 minutes from there on.
 *
 * @example
 * ```ts
 * import { defaultAdvisoryWindowMs } from "aws-refresh-session";
 *
 * defaultAdvisoryWindowMs(60 * 60_000); // 900000: one-hour credentials refresh from 15 minutes before expiry
 * ```
 * @category Refresh policy
 * @since 0.2.0
 */
export const defaultAdvisoryWindowMs = (lifetimeMs: number): number =>
  lifetimeMs <= 20 * MINUTE ? 5 * MINUTE : lifetimeMs < 90 * MINUTE ? 15 * MINUTE : 60 * MINUTE;

/**
 * The default mandatory window: from one minute before expiry, callers wait for a refresh.
 *
 * @internal
 */
export const DEFAULT_MANDATORY_WINDOW_MS = MINUTE;

/**
 * The windows asked for: a configured advisory window overrides the table; the mandatory window
 * defaults to one minute.
 *
 * @internal
 */
export interface WindowSettings {
  readonly advisoryWindowMs: number | undefined;
  readonly mandatoryWindowMs: number;
  /** The fraction of the advisory window (before the mandatory one) over which the refresh moment is spread. */
  readonly jitter: number;
}

/**
 * The timeline of one set of credentials, fixed when they arrive. All instants are clock
 * milliseconds; `expiresAt` is the source's real expiration (Infinity for credentials that never
 * expire).
 *
 * @internal
 */
export interface Timeline {
  readonly fetchedAt: number;
  readonly expiresAt: number;
  /** The advisory window in force for these credentials. */
  readonly advisoryWindowMs: number;
  /** The mandatory window in force for these credentials. */
  readonly mandatoryWindowMs: number;
  /** When the background refresh is due (jittered inside the advisory window). */
  readonly refreshAt: number;
  /**
   * From here callers wait for a refresh: the start of the mandatory window, or the start of time once
   * a service rejected the key (see {@link invalidatedTimeline}).
   */
  readonly mandatoryAt: number;
}

/**
 * The timeline of credentials fetched at `fetchedAt`; `draw`, uniform in [0, 1], places the background
 * refresh in its jitter window.
 *
 * Two clamps keep any lifetime, from a second to years, free of refresh loops: the advisory window
 * never exceeds three quarters of the lifetime (credentials are used for at least a quarter of their
 * life before a background refresh), and the mandatory window never exceeds half the advisory one
 * (a background refresh always has room before callers must wait), or half the lifetime when
 * refreshing ahead is off.
 *
 * @internal
 */
export const timelineOf = (
  credentials: Credentials,
  fetchedAt: number,
  settings: WindowSettings,
  draw: number,
): Timeline => {
  const expiresAt = credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(expiresAt)) {
    return {
      fetchedAt,
      expiresAt,
      advisoryWindowMs: 0,
      mandatoryWindowMs: 0,
      refreshAt: Number.POSITIVE_INFINITY,
      mandatoryAt: Number.POSITIVE_INFINITY,
    };
  }
  const lifetimeMs = Math.max(0, expiresAt - fetchedAt);
  const advisoryWindowMs = Math.min(
    settings.advisoryWindowMs ?? defaultAdvisoryWindowMs(lifetimeMs),
    (lifetimeMs * 3) / 4,
  );
  // With refreshing ahead off (an advisory window of 0), the mandatory window stands on its own.
  const mandatoryWindowMs = Math.min(
    settings.mandatoryWindowMs,
    advisoryWindowMs > 0 ? advisoryWindowMs / 2 : lifetimeMs / 2,
  );
  const advisoryAt = expiresAt - advisoryWindowMs;
  const mandatoryAt = mandatoryWindowStart({ expiresAt, mandatoryWindowMs });
  const refreshAt =
    advisoryWindowMs > mandatoryWindowMs
      ? advisoryAt + draw * settings.jitter * (mandatoryAt - advisoryAt)
      : mandatoryAt;
  return { fetchedAt, expiresAt, advisoryWindowMs, mandatoryWindowMs, refreshAt, mandatoryAt };
};

/**
 * Where the mandatory window of credentials starts, whether or not their key was invalidated since.
 *
 * @internal
 */
export const mandatoryWindowStart = (timeline: Pick<Timeline, "expiresAt" | "mandatoryWindowMs">): number =>
  timeline.expiresAt - timeline.mandatoryWindowMs;

/**
 * The timeline of credentials whose key a service rejected: callers wait for a refresh from now on,
 * while the credentials stay valid until their expiration (a failed refresh still serves them), as
 * Go's cache invalidates by making its credentials due. The mandatory moment moves to the start of
 * time rather than to the present: a clock set back must not make the rejected key fresh again, and
 * the move must be told from credentials that merely reached their mandatory window.
 *
 * @internal
 */
export const invalidatedTimeline = (timeline: Timeline): Timeline => ({
  ...timeline,
  mandatoryAt: Number.NEGATIVE_INFINITY,
});

/**
 * Whether a service rejected the key of credentials with this timeline.
 *
 * @internal
 */
export const isInvalidated = (timeline: Timeline): boolean =>
  timeline.mandatoryAt === Number.NEGATIVE_INFINITY;
