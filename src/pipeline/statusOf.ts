/**
 * What `status()` reports, as a pure function of the refresh state and the time, beside the rules
 * (decide) that read the same state: a health check sees what the rules see.
 */
import type { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { isInvalidated, mandatoryWindowStart } from "./credentialTimeline";
import type { RefreshState } from "./refreshState";

/**
 * Where a refreshing provider stands, for health checks and tests. Holds no secret.
 *
 * @example
 * ```ts
 * import type { RefreshStatus } from "aws-refresh-session";
 *
 * const healthy = (status: RefreshStatus) => status.phase === "fresh" || status.phase === "advisory";
 * ```
 * @category Types
 * @since 0.2.0
 */
export interface RefreshStatus {
  /** Where the held credentials are on their timeline, or `empty` when none are held. */
  readonly phase: "empty" | "fresh" | "advisory" | "mandatory" | "expired";
  /** The real expiration of the held credentials. */
  readonly expiration: Date | undefined;
  /** The advisory window in force for the held credentials. */
  readonly advisoryWindowMs: number | undefined;
  /** The mandatory window in force for the held credentials. */
  readonly mandatoryWindowMs: number | undefined;
  /** When the background refresh of the held credentials is due. */
  readonly refreshAt: Date | undefined;
  /** Whether a refresh is in flight. */
  readonly refreshing: boolean;
  /** The source is left alone until then, after a failure. */
  readonly backoffUntil: Date | undefined;
  /** A non-recoverable error is raised without contacting the source until then. */
  readonly errorCachedUntil: Date | undefined;
  /** Whether the held key was invalidated and awaits its replacement. */
  readonly invalidated: boolean;
  /** Failed refreshes in a row. */
  readonly failures: number;
  /** The last failure, while it is relevant (cleared by a success). */
  readonly lastError: CredentialRefreshError | undefined;
}

/**
 * The status of a provider in `state` at `now`. The phase follows the credentials' own windows, an
 * invalidated key included (its invalidation is reported apart).
 *
 * @internal
 */
export const statusOf = (state: RefreshState, now: number): RefreshStatus => {
  const { held } = state;
  const t = held?.timeline;
  const ahead = (ms: number): Date | undefined =>
    Number.isFinite(ms) && ms > now ? new Date(ms) : undefined;
  return {
    phase:
      t === undefined
        ? "empty"
        : now >= t.expiresAt
          ? "expired"
          : now >= mandatoryWindowStart(t)
            ? "mandatory"
            : now >= t.expiresAt - t.advisoryWindowMs
              ? "advisory"
              : "fresh",
    expiration: held?.credentials.expiration,
    advisoryWindowMs: t?.advisoryWindowMs,
    mandatoryWindowMs: t?.mandatoryWindowMs,
    refreshAt: t === undefined || !Number.isFinite(t.refreshAt) ? undefined : new Date(t.refreshAt),
    refreshing: state.inFlight !== undefined,
    backoffUntil: ahead(state.backoffUntil),
    errorCachedUntil: ahead(state.errorUntil),
    invalidated: t !== undefined && isInvalidated(t),
    failures: state.failures,
    lastError: state.lastError,
  };
};
