/**
 * The refresh rules of one cached credential, as one pure function: `(policy, state, now, input) →
 * (next state, action, events)`. Whatever varies comes in as a value: the time, a random draw, the
 * backoff the user's hook chose. The clock, the timers, the hooks and the source stay at the edge
 * (`refreshAhead`), so the AWS SDKs' shared refresh scenarios can be tested without I/O, and a
 * newcomer reads every rule here as a short ladder of named checks.
 */
import type { Credentials } from "../core/CredentialProvider";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { asCredentialRefreshError } from "../errors/isRetryableError";
import { isNonRecoverableError } from "../errors/isNonRecoverableError";
import { arrivalError } from "./arrivalError";
import { invalidatedTimeline, isInvalidated, timelineOf, type WindowSettings } from "./credentialTimeline";
import { keyHint, type RefreshEvent, type RefreshReason } from "./refreshEvent";
import { backgroundDueAt, type Held, type RefreshState } from "./refreshState";

/**
 * The settings the rules apply: data only; the user's hooks are called at the edge.
 *
 * @internal
 */
export interface RefreshPolicy extends WindowSettings {
  /** After the real expiration, serve the expired credentials instead of an error. */
  readonly serveExpired: boolean;
  /** How long a non-recoverable error is cached, as [min, max) milliseconds, jittered. */
  readonly errorCacheMs: readonly [number, number];
}

/**
 * What happened. `backoffMs` is the backoff the edge computed (with the user's hook, for failure
 * number `failures + 1`) when {@link mayBackOff} said the input may record a failure that backs off;
 * `draw` is uniform in [0, 1], for the jitter of a new timeline or of the error cache.
 *
 * @internal
 */
export type RefreshInput =
  /** `replacing`: the caller's own cache is replacing this key (see `RefreshIntent.replacing`). */
  | { readonly type: "call"; readonly force: boolean; readonly replacing?: string | undefined }
  | { readonly type: "timer" }
  | { readonly type: "invalidate"; readonly accessKeyId: string; readonly backoffMs?: number | undefined }
  | {
      readonly type: "settled";
      readonly outcome: Outcome;
      readonly draw: number;
      readonly backoffMs?: number | undefined;
    }
  | { readonly type: "dispose" };

/**
 * How a call to the source ended.
 *
 * @internal
 */
export type Outcome =
  { readonly ok: true; readonly credentials: Credentials } | { readonly ok: false; readonly error: unknown };

/**
 * What the edge must do.
 *
 * @internal
 */
export type Action =
  /** Give the caller the held credentials. `rateLimited`: a refresh was due but the backoff holds it. */
  | { readonly type: "serve"; readonly rateLimited: boolean }
  /** Give the caller the held credentials, and start a background refresh. */
  | { readonly type: "serve-and-refresh" }
  /** Start a refresh (`background`: nobody waits) and, unless background, let the caller wait for it. */
  | { readonly type: "refresh"; readonly reason: RefreshReason; readonly background: boolean }
  /** Let the caller wait for the refresh in flight. */
  | { readonly type: "join" }
  /** Reject the caller (a cached error: the source is not contacted). */
  | { readonly type: "raise"; readonly error: CredentialRefreshError; readonly rateLimited: boolean }
  /** The refresh in flight ended: its waiters get the held credentials, or `error`. */
  | { readonly type: "settle-waiters"; readonly error: CredentialRefreshError | undefined }
  | { readonly type: "none" };

/**
 * A decision. Its `state` is the very object given when nothing changed, which the edge relies on to
 * skip its work (a crowd of callers joining one refresh costs a comparison each).
 *
 * @internal
 */
export interface Decision {
  readonly state: RefreshState;
  readonly action: Action;
  readonly events: readonly RefreshEvent[];
}

const NONE: Action = { type: "none" };
const JOIN: Action = { type: "join" };
const SERVE: Action = { type: "serve", rateLimited: false };
const SERVE_RATE_LIMITED: Action = { type: "serve", rateLimited: true };
const SERVE_AND_REFRESH: Action = { type: "serve-and-refresh" };
const NO_EVENTS: readonly RefreshEvent[] = [];

/** How many keys a provider remembers having handed out (see `RefreshState.recentKeys`). */
const RECENT_KEYS = 4;

const unchanged = (state: RefreshState, action: Action = NONE): Decision => ({
  state,
  action,
  events: NO_EVENTS,
});

/**
 * The refresh rules. Pure: the same policy, state, time and input give the same answer.
 *
 * @internal
 */
export const decide = (
  policy: RefreshPolicy,
  state: RefreshState,
  now: number,
  input: RefreshInput,
): Decision => {
  switch (input.type) {
    case "dispose":
      return unchanged({ ...state, disposed: true });
    case "timer":
      return now < backgroundDueAt(state) ? unchanged(state) : start(state, now, "advisory", true);
    case "invalidate":
      return invalidate(policy, state, now, input.accessKeyId, input.backoffMs);
    case "call":
      return call(policy, state, now, input.force, input.replacing);
    case "settled":
      return settle(policy, state, now, input.outcome, input.draw, input.backoffMs);
  }
};

/**
 * Whether `input` may record a failure that backs off: the edge then asks the user's backoff hook for
 * `backoffMs`, and only then (a success, or a failure that raises, never calls it).
 *
 * @internal
 */
export const mayBackOff = (
  policy: RefreshPolicy,
  state: RefreshState,
  now: number,
  input: Extract<RefreshInput, { readonly type: "settled" | "invalidate" }>,
): boolean => {
  if (input.type === "invalidate") return rejectsAgain(state, input.accessKeyId);
  const arrival = arrivalOf(policy, state, now, input.outcome);
  return !arrival.ok && !raisesAtOnce(state, arrival.error) && state.held !== undefined;
};

// ---------------------------------------------------------------------------------------------------
// The named checks

/** `invalidate(accessKeyId)` matches the held key, not yet invalidated. */
const rejects = (state: RefreshState, accessKeyId: string): state is RefreshState & { held: Held } =>
  state.held !== undefined &&
  !isInvalidated(state.held.timeline) &&
  state.held.credentials.accessKeyId === accessKeyId;

/**
 * The key rejected was fetched to replace a rejected one: fresh keys do not help (a policy that
 * denies the session, a token the region does not accept), so that refresh failed.
 */
const rejectsAgain = (state: RefreshState, accessKeyId: string): boolean =>
  rejects(state, accessKeyId) && state.held.reason === "invalidated";

/** A call answered with the held credentials: fresh, or in the advisory window, and not replaced. */
const isServed = (held: Held, now: number, force: boolean, replacing: string | undefined): boolean =>
  !force && replacing !== held.credentials.accessKeyId && now < held.timeline.mandatoryAt;

/** What a settled refresh brought: credentials fit to hold, or why it failed. */
type Arrival =
  | { readonly ok: true; readonly credentials: Credentials }
  | { readonly ok: false; readonly error: CredentialRefreshError; readonly stale: boolean };

const arrivalOf = (policy: RefreshPolicy, state: RefreshState, now: number, outcome: Outcome): Arrival => {
  if (!outcome.ok) return { ok: false, error: asCredentialRefreshError(outcome.error), stale: false };
  const error = arrivalError(outcome.credentials, now, state.held, policy.mandatoryWindowMs);
  return error === undefined ? outcome : { ok: false, error, stale: true };
};

/**
 * A failure raised at once to whoever waits, and cached briefly: a non-recoverable one, unless nobody
 * waits (a background refresh, which the backoff governs like any other).
 */
const raisesAtOnce = (state: RefreshState, error: CredentialRefreshError): boolean =>
  isNonRecoverableError(error) && state.inFlight !== "advisory";

// ---------------------------------------------------------------------------------------------------
// The rules for each input

const invalidate = (
  policy: RefreshPolicy,
  state: RefreshState,
  now: number,
  accessKeyId: string,
  backoffMs: number | undefined,
): Decision => {
  // A key already replaced (or already invalidated) is not invalidated again.
  if (!rejects(state, accessKeyId)) return unchanged(state);
  const { held } = state;
  const next: RefreshState = { ...state, held: { ...held, timeline: invalidatedTimeline(held.timeline) } };
  const invalidated: RefreshEvent = { type: "invalidated", keyHint: keyHint(accessKeyId) };
  if (!rejectsAgain(state, accessKeyId)) return { state: next, action: NONE, events: [invalidated] };
  // A failed refresh found out late: the next one waits for the backoff like any other.
  const error = new CredentialRefreshError(
    `a service rejected the credentials fetched to replace a rejected key (key ending ` +
      `${keyHint(accessKeyId)}) as well: new keys from this source are rejected too ` +
      `(a policy that denies the session? a token from the global STS endpoint used in an opt-in region?), ` +
      `so the next refresh waits for the backoff`,
    { retryable: true },
  );
  const failed = backOff(policy, next, held, now, "invalidated", error, true, backoffMs);
  return { ...failed, action: NONE, events: [invalidated, ...failed.events] };
};

const call = (
  policy: RefreshPolicy,
  state: RefreshState,
  now: number,
  force: boolean,
  replacing: string | undefined,
): Decision => {
  const { held } = state;
  if (held !== undefined && isServed(held, now, force, replacing)) {
    if (now >= backgroundDueAt(state)) {
      return { ...start(state, now, "advisory", true), action: SERVE_AND_REFRESH };
    }
    const rateLimited =
      state.inFlight === undefined && now >= held.timeline.refreshAt && now < state.backoffUntil;
    return unchanged(state, rateLimited ? SERVE_RATE_LIMITED : SERVE);
  }
  if (state.inFlight !== undefined) return unchanged(state, JOIN);
  if (now < state.errorUntil && state.lastError !== undefined) {
    return unchanged(state, { type: "raise", error: state.lastError, rateLimited: false });
  }
  const valid = held !== undefined && now < held.timeline.expiresAt;
  const events: RefreshEvent[] = [];
  let next = state;
  if (held !== undefined && !valid && !state.reportedExpired) {
    events.push({ type: "expired", expiration: new Date(held.timeline.expiresAt) });
    next = { ...next, reportedExpired: true };
  }
  if (held !== undefined && now < state.backoffUntil && state.lastError !== undefined) {
    const action: Action =
      valid || policy.serveExpired
        ? SERVE_RATE_LIMITED
        : { type: "raise", error: state.lastError, rateLimited: true };
    return { state: next, action, events };
  }
  const reason: RefreshReason =
    held === undefined
      ? "initial"
      : force
        ? "forced"
        : isInvalidated(held.timeline)
          ? "invalidated"
          : valid
            ? "mandatory"
            : "expired";
  const started = start(next, now, reason, false);
  return { ...started, events: [...events, ...started.events] };
};

const start = (state: RefreshState, now: number, reason: RefreshReason, background: boolean): Decision => ({
  state: { ...state, inFlight: reason, inFlightSince: now },
  action: { type: "refresh", reason, background },
  events: [{ type: "refresh-start", reason }],
});

const settle = (
  policy: RefreshPolicy,
  state: RefreshState,
  now: number,
  outcome: Outcome,
  draw: number,
  backoffMs: number | undefined,
): Decision => {
  const reason = state.inFlight ?? "mandatory";
  const settled: RefreshState = { ...state, inFlight: undefined };
  const arrival = arrivalOf(policy, state, now, outcome);
  if (arrival.ok) {
    const { credentials } = arrival;
    const timeline = timelineOf(credentials, now, policy, draw);
    const key = credentials.accessKeyId;
    return {
      state: {
        ...settled,
        held: { credentials, timeline, reason },
        backoffUntil: Number.NEGATIVE_INFINITY,
        // Credentials fetched because a service rejected the last ones are not proven good until a
        // service accepts them: if it rejects them too, the next failure backs off longer.
        failures: reason === "invalidated" ? state.failures : 0,
        lastError: undefined,
        errorUntil: Number.NEGATIVE_INFINITY,
        reportedExpired: false,
        recentKeys: state.recentKeys.includes(key)
          ? state.recentKeys
          : [...state.recentKeys, key].slice(-RECENT_KEYS),
      },
      action: { type: "settle-waiters", error: undefined },
      events: [
        {
          type: "refresh-success",
          reason,
          expiration: credentials.expiration,
          durationMs: now - state.inFlightSince,
          advisoryWindowMs: timeline.advisoryWindowMs,
          refreshAt: Number.isFinite(timeline.refreshAt) ? new Date(timeline.refreshAt) : undefined,
        },
      ],
    };
  }
  const { error, stale } = arrival;
  const failures = state.failures + 1;
  const recoverable = !isNonRecoverableError(error);
  const [min, max] = policy.errorCacheMs;
  if (raisesAtOnce(state, error)) {
    return {
      state: { ...settled, failures, lastError: error, errorUntil: now + min + draw * (max - min) },
      action: { type: "settle-waiters", error },
      events: [{ type: "refresh-failure", reason, error, recoverable, serving: "none" }],
    };
  }
  if (state.held === undefined) {
    // Nothing held, nothing to protect: the next caller may try again at once (the pipeline below
    // already retried this one), as the specification's scenario 8 asks. Except for credentials that
    // arrived already expiring: the source answered, and will answer the same at once (a skewed
    // clock), so the error is cached briefly, as a non-recoverable one is, for one source call per 1-5 s.
    const errorUntil = stale ? now + min + draw * (max - min) : state.errorUntil;
    return {
      state: { ...settled, failures, lastError: error, errorUntil },
      action: { type: "settle-waiters", error },
      events: [{ type: "refresh-failure", reason, error, recoverable, serving: "none" }],
    };
  }
  return backOff(policy, settled, state.held, now, reason, error, recoverable, backoffMs);
};

/** A failed refresh while credentials are held: the source is left alone for `backoffMs`. */
const backOff = (
  policy: RefreshPolicy,
  state: RefreshState,
  held: Held,
  now: number,
  reason: RefreshReason,
  error: CredentialRefreshError,
  recoverable: boolean,
  backoffMs: number | undefined,
): Decision => {
  const { expiresAt } = held.timeline;
  const backoffUntil = now + (backoffMs !== undefined && backoffMs > 0 ? backoffMs : 0);
  const serving = now < expiresAt ? "current" : policy.serveExpired ? "expired" : "none";
  return {
    state: { ...state, failures: state.failures + 1, lastError: error, backoffUntil },
    action: { type: "settle-waiters", error: serving === "none" ? error : undefined },
    events: [
      {
        type: "refresh-failure",
        reason,
        error,
        recoverable,
        serving,
        ...(serving === "current" ? { servingUntil: new Date(expiresAt) } : {}),
        nextAttemptAt: new Date(backoffUntil),
      },
    ],
  };
};
