/**
 * Everything a refreshing provider knows, as one immutable value swapped as a whole (as Go's
 * credential cache keeps its state), and the two instants derived from it that the edge acts on: until
 * when a call is a cache hit, and when the background refresh is due.
 */
import type { Credentials } from "../core/CredentialProvider";
import type { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { isInvalidated, type Timeline } from "./credentialTimeline";
import type { RefreshReason } from "./refreshEvent";

/**
 * The credentials held and their timeline.
 *
 * @internal
 */
export interface Held {
  readonly credentials: Credentials;
  /** Their moments; invalidated (see `invalidatedTimeline`) once a service rejected their key. */
  readonly timeline: Timeline;
  /** Why the refresh that fetched them ran: a key fetched to replace a rejected one is watched. */
  readonly reason: RefreshReason;
}

/**
 * Everything the rules look at, as one immutable value.
 *
 * @internal
 */
export interface RefreshState {
  readonly held: Held | undefined;
  /** The reason of the refresh in flight, if one is. */
  readonly inFlight: RefreshReason | undefined;
  readonly inFlightSince: number;
  /** The source is not contacted before this instant (after a failure). */
  readonly backoffUntil: number;
  /** Failed refreshes in a row. */
  readonly failures: number;
  readonly lastError: CredentialRefreshError | undefined;
  /** A non-recoverable error is raised without contacting the source until this instant. */
  readonly errorUntil: number;
  /** The `expired` event was emitted for the held credentials. */
  readonly reportedExpired: boolean;
  /**
   * The access key ids handed out lately, oldest first: the current one and the few before it, which
   * requests still in flight may be signed with (see `RefreshingProvider.holds`).
   */
  readonly recentKeys: readonly string[];
  readonly disposed: boolean;
}

/**
 * The state of a provider that holds nothing yet.
 *
 * @internal
 */
export const emptyState: RefreshState = {
  held: undefined,
  inFlight: undefined,
  inFlightSince: 0,
  backoffUntil: Number.NEGATIVE_INFINITY,
  failures: 0,
  lastError: undefined,
  errorUntil: Number.NEGATIVE_INFINITY,
  reportedExpired: false,
  recentKeys: [],
  disposed: false,
};

/**
 * When a background refresh is due, or Infinity if none is: the refresh moment of the held
 * credentials, held back by the backoff and the error cache, and only before their expiration. The
 * cache-hit path and the timer both ask this one function.
 *
 * @internal
 */
export const backgroundDueAt = (state: RefreshState): number => {
  const { held } = state;
  if (held === undefined || state.disposed || state.inFlight !== undefined) return Number.POSITIVE_INFINITY;
  const { timeline } = held;
  // A rejected key is replaced by its callers, on the mandatory path, not in the background.
  if (isInvalidated(timeline) || timeline.advisoryWindowMs <= timeline.mandatoryWindowMs) {
    return Number.POSITIVE_INFINITY;
  }
  const due = Math.max(timeline.refreshAt, state.backoffUntil, state.errorUntil);
  return due < timeline.expiresAt ? due : Number.POSITIVE_INFINITY;
};

/**
 * Until when a call is answered with the held credentials and nothing else to do (for invalidated
 * credentials, never: their mandatory moment is the start of time).
 *
 * @internal
 */
export const servedUntil = (state: RefreshState): number =>
  state.held === undefined
    ? Number.NEGATIVE_INFINITY
    : Math.min(state.held.timeline.mandatoryAt, backgroundDueAt(state));
