/**
 * The refresh rules of one cached credential, as one pure function: `(state, now, event) → (next
 * state, action, events)`. The clock, the timers and the credential source stay at the edge
 * (`refreshAhead`); everything that decides lives here, so the AWS SDKs' shared refresh scenarios
 * can be tested without I/O.
 */
import type { Credentials } from "../core/CredentialProvider";
import { credentialShapeProblems } from "../core/credentialShape";
import { CredentialRefreshError } from "../errors/CredentialRefreshError";
import { timelineOf, type Timeline, type WindowSettings } from "./credentialTimeline";
import { asCredentialRefreshError } from "../errors/isRetryableError";
import { isNonRecoverableError } from "../errors/isNonRecoverableError";
import type { RefreshBackoff } from "./refreshBackoff";
import type { Random } from "./retryPolicy";
import { keyHint, type RefreshEvent, type RefreshReason } from "./refreshEvent";

/**
 * The credentials held and their timeline.
 *
 * @internal
 */
export interface Held {
  readonly credentials: Credentials;
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
  /** A service rejected the held key: the next call takes the mandatory path. */
  readonly invalidated: boolean;
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
  readonly disposed: boolean;
}

/**
 * The state of a provider that holds nothing yet.
 *
 * @internal
 */
export const emptyState: RefreshState = {
  held: undefined,
  invalidated: false,
  inFlight: undefined,
  inFlightSince: 0,
  backoffUntil: Number.NEGATIVE_INFINITY,
  failures: 0,
  lastError: undefined,
  errorUntil: Number.NEGATIVE_INFINITY,
  reportedExpired: false,
  disposed: false,
};

/**
 * The settings the rules apply.
 *
 * @internal
 */
export interface RefreshPolicy extends WindowSettings {
  readonly backoff: RefreshBackoff;
  /** After the real expiration, serve the expired credentials instead of an error. */
  readonly serveExpired: boolean;
  /** How long a non-recoverable error is cached, as [min, max) milliseconds, jittered. */
  readonly errorCacheMs: readonly [number, number];
  readonly random: Random;
}

/**
 * What happened.
 *
 * @internal
 */
export type RefreshInput =
  /** `replacing`: the caller's own cache is replacing this key (see `RefreshIntent.replacing`). */
  | { readonly type: "call"; readonly force: boolean; readonly replacing?: string | undefined }
  | { readonly type: "timer" }
  | { readonly type: "invalidate"; readonly accessKeyId: string }
  | { readonly type: "settled"; readonly outcome: Outcome }
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

/** @internal */
export interface Decision {
  readonly state: RefreshState;
  readonly action: Action;
  readonly events: readonly RefreshEvent[];
}

/**
 * When a background refresh is due, or Infinity if none is: the refresh moment of the held
 * credentials, held back by the backoff and the error cache, and only before their expiration. The
 * cache-hit path and the timer both ask this one function.
 *
 * @internal
 */
export const backgroundDueAt = (state: RefreshState): number => {
  const { held } = state;
  if (held === undefined || state.disposed || state.inFlight !== undefined || state.invalidated) {
    return Number.POSITIVE_INFINITY;
  }
  const { timeline } = held;
  if (timeline.advisoryWindowMs <= timeline.mandatoryWindowMs) return Number.POSITIVE_INFINITY;
  const due = Math.max(timeline.refreshAt, state.backoffUntil, state.errorUntil);
  return due < timeline.expiresAt ? due : Number.POSITIVE_INFINITY;
};

/**
 * Until when a call is answered with the held credentials and nothing else to do.
 *
 * @internal
 */
export const servedUntil = (state: RefreshState): number =>
  state.held === undefined || state.invalidated
    ? Number.NEGATIVE_INFINITY
    : Math.min(state.held.timeline.mandatoryAt, backgroundDueAt(state));

const MS_2000 = Date.UTC(2000, 0, 1);

/**
 * Checks credentials as they arrive, the one place that does: a value that is not credentials is
 * non-recoverable; credentials that expire inside the mandatory window (or have expired) are a
 * failed refresh, since they would be replaced at once, again and again, with nobody waiting.
 */
const arrivalError = (
  credentials: Credentials,
  now: number,
  held: Held | undefined,
  mandatoryWindowMs: number,
): CredentialRefreshError | undefined => {
  const problems = credentialShapeProblems(credentials);
  if (problems.length > 0) {
    return new CredentialRefreshError(
      `the credential source returned something that is not credentials: ${problems.join("; ")}`,
      { retryable: false },
    );
  }
  const expiresAt = credentials.expiration?.getTime();
  if (expiresAt === undefined) return undefined;
  if (expiresAt - now <= mandatoryWindowMs) {
    if (expiresAt < MS_2000) {
      return new CredentialRefreshError(
        `the credential source returned an expiration in ${new Date(expiresAt).getUTCFullYear()} ` +
          `(${credentials.expiration?.toISOString()}): is it in seconds where milliseconds or a Date are expected?`,
        { retryable: false },
      );
    }
    const when = credentials.expiration?.toISOString();
    return new CredentialRefreshError(
      (expiresAt <= now
        ? `the credential source returned credentials that had already expired (at ${when}, `
        : `the credential source returned credentials that expire in ${expiresAt - now} ms (at ${when}, ` +
          `inside the mandatory window of ${mandatoryWindowMs} ms; `) +
        `now ${new Date(now).toISOString()}): is this machine's clock right, or is the source handing out old credentials?`,
      { retryable: true },
    );
  }
  // The credentials held, handed back (a source that serves its own cache) would open already deep in
  // their windows and be refreshed again sooner and sooner: a failed refresh.
  if (
    held !== undefined &&
    credentials.accessKeyId === held.credentials.accessKeyId &&
    expiresAt <= held.timeline.expiresAt
  ) {
    return new CredentialRefreshError(
      `the credential source handed back the credentials held, expiring at ` +
        `${credentials.expiration?.toISOString()}: it has nothing newer yet`,
      { retryable: true },
    );
  }
  return undefined;
};

/**
 * The refresh rules. Pure: the same state, time and input give the same answer (the random source
 * is part of the policy).
 *
 * @internal
 */
export const decide = (
  policy: RefreshPolicy,
  state: RefreshState,
  now: number,
  input: RefreshInput,
): Decision => {
  const none: Action = { type: "none" };
  switch (input.type) {
    case "dispose":
      return { state: { ...state, disposed: true }, action: none, events: [] };

    case "invalidate": {
      const { held } = state;
      if (held === undefined || state.invalidated || held.credentials.accessKeyId !== input.accessKeyId) {
        // A key already replaced (or already invalidated) is not invalidated again.
        return { state, action: none, events: [] };
      }
      const invalidated: RefreshEvent = { type: "invalidated", keyHint: keyHint(input.accessKeyId) };
      if (held.reason === "invalidated") {
        // The key fetched to replace a rejected one is rejected too: fresh keys do not help (a policy
        // that denies the session, a token the region does not accept). That refresh failed, and the
        // next one waits for the backoff like any other.
        return rejectedAgain(policy, state, held, now, invalidated);
      }
      return { state: { ...state, invalidated: true }, action: none, events: [invalidated] };
    }

    case "timer": {
      if (now < backgroundDueAt(state)) return { state, action: none, events: [] };
      return start(state, now, "advisory", true);
    }

    case "call": {
      const { held } = state;
      // A cache below which replaces the key held asks for newer credentials: the mandatory path.
      const replacing = held !== undefined && input.replacing === held.credentials.accessKeyId;
      if (
        held !== undefined &&
        !state.invalidated &&
        !input.force &&
        !replacing &&
        now < held.timeline.mandatoryAt
      ) {
        // Fresh, or in the advisory window: served at once, with a background refresh if one is due.
        if (now >= backgroundDueAt(state)) {
          const started = start(state, now, "advisory", true);
          return { ...started, action: { type: "serve-and-refresh" } };
        }
        const rateLimited =
          state.inFlight === undefined && now >= held.timeline.refreshAt && now < state.backoffUntil;
        return { state, action: { type: "serve", rateLimited }, events: [] };
      }
      if (state.inFlight !== undefined) return { state, action: { type: "join" }, events: [] };
      if (now < state.errorUntil && state.lastError !== undefined) {
        return { state, action: { type: "raise", error: state.lastError, rateLimited: false }, events: [] };
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
            ? { type: "serve", rateLimited: true }
            : { type: "raise", error: state.lastError, rateLimited: true };
        return { state: next, action, events };
      }
      const reason: RefreshReason =
        held === undefined
          ? "initial"
          : input.force
            ? "forced"
            : state.invalidated
              ? "invalidated"
              : valid
                ? "mandatory"
                : "expired";
      const started = start(next, now, reason, false);
      return { ...started, events: [...events, ...started.events] };
    }

    case "settled":
      return settle(policy, state, now, input.outcome);
  }
};

/** A failed refresh found out late: the credentials it fetched were rejected by a service too. */
const rejectedAgain = (
  policy: RefreshPolicy,
  state: RefreshState,
  held: Held,
  now: number,
  invalidated: RefreshEvent,
): Decision => {
  const failures = state.failures + 1;
  const error = new CredentialRefreshError(
    `a service rejected the credentials fetched to replace a rejected key (key ending ` +
      `${keyHint(held.credentials.accessKeyId)}) as well: new keys from this source are rejected too ` +
      `(a policy that denies the session? a token from the global STS endpoint used in an opt-in region?), ` +
      `so the next refresh waits for the backoff`,
    { retryable: true },
  );
  const backoffMs = policy.backoff({
    failures,
    advisoryWindowMs: held.timeline.advisoryWindowMs,
    random: policy.random,
  });
  const backoffUntil = now + (backoffMs > 0 ? backoffMs : 0);
  const valid = now < held.timeline.expiresAt;
  const serving = valid ? "current" : policy.serveExpired ? "expired" : "none";
  return {
    state: { ...state, invalidated: true, failures, lastError: error, backoffUntil },
    action: { type: "none" },
    events: [
      invalidated,
      {
        type: "refresh-failure",
        reason: "invalidated",
        error,
        recoverable: true,
        serving,
        ...(serving === "current" ? { servingUntil: new Date(held.timeline.expiresAt) } : {}),
        nextAttemptAt: new Date(backoffUntil),
      },
    ],
  };
};

const start = (state: RefreshState, now: number, reason: RefreshReason, background: boolean): Decision => ({
  state: { ...state, inFlight: reason, inFlightSince: now },
  action: { type: "refresh", reason, background },
  events: [{ type: "refresh-start", reason }],
});

const settle = (policy: RefreshPolicy, state: RefreshState, now: number, outcome: Outcome): Decision => {
  const reason = state.inFlight ?? "mandatory";
  const settled: RefreshState = { ...state, inFlight: undefined };
  const stale = outcome.ok
    ? arrivalError(outcome.credentials, now, state.held, policy.mandatoryWindowMs)
    : undefined;
  if (outcome.ok && stale === undefined) {
    const timeline = timelineOf(outcome.credentials, now, policy, policy.random);
    return {
      state: {
        ...settled,
        held: { credentials: outcome.credentials, timeline, reason },
        invalidated: false,
        backoffUntil: Number.NEGATIVE_INFINITY,
        // Credentials fetched because a service rejected the last ones are not proven good until a
        // service accepts them: if it rejects them too, the next failure backs off longer.
        failures: reason === "invalidated" ? state.failures : 0,
        lastError: undefined,
        errorUntil: Number.NEGATIVE_INFINITY,
        reportedExpired: false,
      },
      action: { type: "settle-waiters", error: undefined },
      events: [
        {
          type: "refresh-success",
          reason,
          expiration: outcome.credentials.expiration,
          durationMs: now - state.inFlightSince,
          advisoryWindowMs: timeline.advisoryWindowMs,
          refreshAt: Number.isFinite(timeline.refreshAt) ? new Date(timeline.refreshAt) : undefined,
        },
      ],
    };
  }
  const error = stale ?? asCredentialRefreshError(outcome.ok ? undefined : outcome.error);
  const failures = state.failures + 1;
  const recoverable = !isNonRecoverableError(error);
  const { held } = state;
  const waiting = reason !== "advisory";
  const valid = held !== undefined && now < held.timeline.expiresAt;

  if (!recoverable && waiting) {
    // Raised at once to whoever waits, and cached briefly so a loop of callers does not reach the source.
    const [min, max] = policy.errorCacheMs;
    return {
      state: {
        ...settled,
        failures,
        lastError: error,
        errorUntil: now + min + policy.random() * (max - min),
      },
      action: { type: "settle-waiters", error },
      events: [{ type: "refresh-failure", reason, error, recoverable, serving: "none" }],
    };
  }
  if (held === undefined) {
    // Nothing held, nothing to protect: the next caller may try again at once (the pipeline below
    // already retried this one), as the specification's scenario 8 asks. Except for credentials that
    // arrived already expiring: the source answered, and will answer the same at once (a skewed clock),
    // so the error is cached briefly, as a non-recoverable one is, for one source call per 1-5 s.
    const [min, max] = policy.errorCacheMs;
    const errorUntil = stale === undefined ? state.errorUntil : now + min + policy.random() * (max - min);
    return {
      state: { ...settled, failures, lastError: error, errorUntil },
      action: { type: "settle-waiters", error },
      events: [{ type: "refresh-failure", reason, error, recoverable, serving: "none" }],
    };
  }
  const backoffMs = policy.backoff({
    failures,
    advisoryWindowMs: held.timeline.advisoryWindowMs,
    random: policy.random,
  });
  const backoffUntil = now + (backoffMs > 0 ? backoffMs : 0);
  const serving = valid ? "current" : policy.serveExpired ? "expired" : "none";
  return {
    state: { ...settled, failures, lastError: error, backoffUntil },
    action: { type: "settle-waiters", error: serving === "none" ? error : undefined },
    events: [
      {
        type: "refresh-failure",
        reason,
        error,
        recoverable,
        serving,
        ...(serving === "current" ? { servingUntil: new Date(held.timeline.expiresAt) } : {}),
        nextAttemptAt: new Date(backoffUntil),
      },
    ],
  };
};
