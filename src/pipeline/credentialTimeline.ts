import type { Credentials } from "../core/CredentialProvider";
import type { Random } from "./retryPolicy";

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
  /** From here callers wait for a refresh. */
  readonly mandatoryAt: number;
}

/**
 * The timeline of credentials fetched at `fetchedAt`.
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
  random: Random,
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
  const mandatoryAt = expiresAt - mandatoryWindowMs;
  // A random number outside [0, 1) from a user's source must not move the refresh out of the window.
  const r = Math.min(1, Math.max(0, random()));
  const refreshAt =
    advisoryWindowMs > mandatoryWindowMs
      ? advisoryAt + r * settings.jitter * (mandatoryAt - advisoryAt)
      : mandatoryAt;
  return { fetchedAt, expiresAt, advisoryWindowMs, mandatoryWindowMs, refreshAt, mandatoryAt };
};
