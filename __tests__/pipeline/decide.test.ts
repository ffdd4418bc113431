import fc from "fast-check";
import { defaultRefreshBackoff, type Credentials } from "../../src";
import { invalidatedTimeline, timelineOf } from "../../src/pipeline/credentialTimeline";
import {
  decide,
  mayBackOff,
  type Decision,
  type Outcome,
  type RefreshInput,
  type RefreshPolicy,
} from "../../src/pipeline/decide";
import { backgroundDueAt, emptyState, servedUntil, type RefreshState } from "../../src/pipeline/refreshState";
import { statusOf } from "../../src/pipeline/statusOf";
import {
  cachedKey,
  comparable,
  givenAt,
  HOUR,
  MINUTE,
  nextResponse,
  resultOf,
  scriptedSource,
  type Observed,
} from "../conformance/harness";
import { expectedOf, scenarios, type Scenario } from "../conformance/scenarios";

const T0 = Date.UTC(2026, 0, 1);

const policyFor = (scenario: Scenario, serveExpired: boolean): RefreshPolicy => ({
  advisoryWindowMs:
    scenario.configuredAdvisoryWindowSeconds === undefined
      ? undefined
      : scenario.configuredAdvisoryWindowSeconds * 1000,
  mandatoryWindowMs: MINUTE,
  jitter: 0.5,
  serveExpired,
  errorCacheMs: [1_000, 5_000],
});

/**
 * The scenarios against the decision function alone: a few lines stand in for the edge (the source
 * is called synchronously, timers fire as time is moved past them).
 */
const runPure = (scenario: Scenario, serveExpired: boolean) => {
  const policy = policyFor(scenario, serveExpired);
  const backoff =
    scenario.backoffSeconds === undefined ? defaultRefreshBackoff : () => scenario.backoffSeconds! * 1000;
  let now = T0;
  const source = scriptedSource(() => now);
  let state: RefreshState = emptyState;
  const contact = (): Outcome => {
    try {
      return { ok: true, credentials: source.call() };
    } catch (error) {
      return { ok: false, error };
    }
  };
  const step = (decision: Decision) => {
    state = decision.state;
    return decision;
  };
  /** What the edge feeds decide when a refresh settles: a draw of 0, and the backoff when one may be needed. */
  const settled = (outcome: Outcome): RefreshInput => {
    const input = { type: "settled", outcome, draw: 0 } as const;
    if (!mayBackOff(policy, state, now, input)) return input;
    const advisoryWindowMs = state.held?.timeline.advisoryWindowMs ?? 0;
    return {
      ...input,
      backoffMs: backoff({ failures: state.failures + 1, advisoryWindowMs, random: () => 0 }),
    };
  };
  const advanceTo = (target: number) => {
    for (let due = backgroundDueAt(state); due <= target; due = backgroundDueAt(state)) {
      now = Math.max(now, due);
      const started = step(decide(policy, state, now, { type: "timer" }));
      if (started.action.type === "refresh") step(decide(policy, state, now, settled(contact())));
    }
    now = target;
  };
  const call = (): PromiseSettledResult<Credentials> => {
    const decision = step(decide(policy, state, now, { type: "call", force: false }));
    const held = (): PromiseSettledResult<Credentials> => ({
      status: "fulfilled",
      value: state.held!.credentials,
    });
    switch (decision.action.type) {
      case "serve":
        return held();
      case "serve-and-refresh": {
        const served = held();
        step(decide(policy, state, now, settled(contact())));
        return served;
      }
      case "refresh": {
        const decision = step(decide(policy, state, now, settled(contact())));
        const error = decision.action.type === "settle-waiters" ? decision.action.error : undefined;
        return error === undefined ? held() : { status: "rejected", reason: error };
      }
      case "raise":
        return { status: "rejected", reason: decision.action.error };
      default:
        throw new Error(`unexpected action ${decision.action.type}`);
    }
  };

  const background = scenario.deviations?.includes("background") === true;
  if (scenario.given !== "none") {
    source.prime(cachedKey(scenario));
    const credentials = source.call();
    state = {
      ...emptyState,
      held: { credentials, timeline: timelineOf(credentials, now, policy, 0), reason: "initial" },
      disposed: scenario.given === "mandatory" || scenario.given === "expired",
    };
    const first = nextResponse(scenario.steps, 0);
    source.answer(background ? first?.response : undefined, first?.lifetimeSeconds);
  }
  let callsBefore = source.calls;
  advanceTo(T0 + givenAt[scenario.given]);

  const checks: Array<{ observed: Observed; expected: Observed }> = [];
  for (const [index, s] of scenario.steps.entries()) {
    if (s.type === "advance") {
      const next = nextResponse(scenario.steps, index);
      if (background) source.answer(next?.response, next?.lifetimeSeconds);
      advanceTo(now + s.seconds * 1000);
    } else if (s.type === "invalidate") {
      step(decide(policy, state, now, { type: "invalidate", accessKeyId: s.accessKeyId }));
    } else {
      if (!(background && source.calls > callsBefore)) source.answer(s.response, s.lifetimeSeconds);
      const outcome = call();
      const contacted = source.calls > callsBefore;
      callsBefore = source.calls;
      const expected = expectedOf(s, serveExpired, scenario);
      const observed: Observed = {
        result: resultOf(outcome, scenario),
        sourceContacted: contacted,
        rateLimited: !contacted && state.backoffUntil > now,
        ...(state.held === undefined
          ? {}
          : { advisoryWindowSeconds: state.held.timeline.advisoryWindowMs / 1000 }),
      };
      checks.push({ observed: comparable(observed, expected), expected });
      source.answer(undefined);
    }
  }
  return checks;
};

describe("decide: the refresh rules as one pure function", () => {
  it.each(scenarios.map((s) => [s.id, s.title, s] as const))("scenario %i: %s", (_id, _title, scenario) => {
    const checks = runPure(scenario, false);
    expect(checks.map((c) => c.observed)).toEqual(checks.map((c) => c.expected));
  });

  it.each(scenarios.filter((s) => s.deviations?.includes("expired-error")).map((s) => [s.id, s] as const))(
    "scenario %i passes as specified with serveExpired",
    (_id, scenario) => {
      const checks = runPure(scenario, true);
      expect(checks.map((c) => c.observed.result)).toEqual(
        scenario.steps.flatMap((s) => (s.type === "get" ? [s.expected.result] : [])),
      );
    },
  );

  const credentials = (expiresAt: number): Credentials => ({
    accessKeyId: "AKID-1",
    secretAccessKey: "secret",
    expiration: new Date(expiresAt),
  });
  const policy: RefreshPolicy = {
    advisoryWindowMs: undefined,
    mandatoryWindowMs: MINUTE,
    jitter: 0.5,
    serveExpired: false,
    errorCacheMs: [1_000, 5_000],
  };
  /** A settled refresh as the edge reports it, with a random draw of 0 and a backoff of 10 s. */
  const settled = (outcome: Outcome): RefreshInput => ({
    type: "settled",
    outcome,
    draw: 0,
    backoffMs: 10_000,
  });
  const holding = (expiresAt: number, extra: Partial<RefreshState> = {}): RefreshState => {
    const c = credentials(expiresAt);
    return {
      ...emptyState,
      held: { credentials: c, timeline: timelineOf(c, T0, policy, 0), reason: "initial" },
      ...extra,
    };
  };

  const invalidated = (state: RefreshState): RefreshState => ({
    ...state,
    held: state.held && { ...state.held, timeline: invalidatedTimeline(state.held.timeline) },
  });

  it("asks one function when a background refresh is due, for the cache-hit path and the timer alike", () => {
    const state = holding(T0 + HOUR);
    expect(backgroundDueAt(state)).toBe(T0 + 45 * MINUTE);
    expect(servedUntil(state)).toBe(T0 + 45 * MINUTE);
    const backingOff = { ...state, backoffUntil: T0 + 50 * MINUTE };
    expect(backgroundDueAt(backingOff)).toBe(T0 + 50 * MINUTE);
    expect(servedUntil(backingOff)).toBe(T0 + 50 * MINUTE);
    // In flight, or invalidated: no background refresh; hits until the mandatory window, or none.
    expect(backgroundDueAt({ ...state, inFlight: "advisory" })).toBe(Infinity);
    expect(servedUntil({ ...state, inFlight: "advisory" })).toBe(T0 + 59 * MINUTE);
    expect(servedUntil(invalidated(state))).toBe(-Infinity);
    expect(backgroundDueAt(invalidated(state))).toBe(Infinity);
    // A backoff past the expiration leaves the next attempt to callers.
    expect(backgroundDueAt({ ...state, backoffUntil: T0 + 2 * HOUR })).toBe(Infinity);
  });

  it("while a refresh is in flight, answers every call that is no cache hit with join, changing nothing", () => {
    // refreshAhead relies on this to let a crowd of waiting callers skip the decision.
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 48 * 60 }), { nil: undefined }),
        fc.constantFrom("initial", "advisory", "mandatory", "forced", "invalidated", "expired"),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: -60, max: 72 * 60 }),
        fc.integer({ min: 0, max: 10 * 60 }),
        (lifetimeMinutes, reason, rejected, force, minutesFromStart, backoffMinutes) => {
          const base = lifetimeMinutes === undefined ? emptyState : holding(T0 + lifetimeMinutes * MINUTE);
          const state: RefreshState = {
            ...(rejected ? invalidated(base) : base),
            inFlight: reason,
            backoffUntil: T0 + backoffMinutes * MINUTE,
          };
          const now = T0 + minutesFromStart * MINUTE;
          if (!force && now < servedUntil(state)) return; // a cache hit: never reaches decide()
          const decision = decide(policy, state, now, { type: "call", force });
          expect(decision.action).toEqual({ type: "join" });
          expect(decision.state).toBe(state);
          expect(decision.events).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("serves the held credentials in the advisory window and starts exactly one background refresh", () => {
    const at = T0 + 46 * MINUTE;
    const first = decide(policy, holding(T0 + HOUR), at, { type: "call", force: false });
    expect(first.action).toEqual({ type: "serve-and-refresh" });
    expect(first.events).toEqual([{ type: "refresh-start", reason: "advisory" }]);
    const second = decide(policy, first.state, at, { type: "call", force: false });
    expect(second.action).toEqual({ type: "serve", rateLimited: false });
  });

  it("turns a recoverable failure into a backoff that keeps serving, and a waiting non-recoverable one into a cached error", () => {
    const inMandatory = T0 + 59.5 * MINUTE;
    const started = decide(policy, holding(T0 + HOUR), inMandatory, { type: "call", force: false });
    expect(started.action).toEqual({ type: "refresh", reason: "mandatory", background: false });
    const recoverable = decide(
      policy,
      started.state,
      inMandatory,
      settled({ ok: false, error: Object.assign(new Error("slow down"), { name: "Throttling" }) }),
    );
    expect(recoverable.action).toEqual({ type: "settle-waiters", error: undefined });
    expect(recoverable.state.backoffUntil).toBe(inMandatory + 10_000);
    expect(decide(policy, recoverable.state, inMandatory + 1, { type: "call", force: false }).action).toEqual(
      {
        type: "serve",
        rateLimited: true,
      },
    );

    const denied = decide(
      policy,
      started.state,
      inMandatory,
      settled({ ok: false, error: Object.assign(new Error("no"), { name: "AccessDenied" }) }),
    );
    expect(denied.action).toMatchObject({ type: "settle-waiters", error: { retryable: false } });
    expect(denied.state.errorUntil).toBe(inMandatory + 1_000);
    expect(denied.state.backoffUntil).toBe(-Infinity);
  });

  it("treats credentials that arrive expired, or that are not credentials, as failed refreshes", () => {
    const now = T0 + 59.5 * MINUTE;
    const started = decide(policy, holding(T0 + HOUR), now, { type: "call", force: false });
    const stale = decide(policy, started.state, now, settled({ ok: true, credentials: credentials(now) }));
    expect(stale.events[0]).toMatchObject({ type: "refresh-failure", recoverable: true, serving: "current" });
    const seconds = decide(
      policy,
      started.state,
      now,
      settled({ ok: true, credentials: credentials(1_767_225_600) }),
    ); // epoch seconds, read as milliseconds
    expect(seconds.events[0]).toMatchObject({ type: "refresh-failure", recoverable: false });
    expect((seconds.events[0] as { error: Error }).error.message).toMatch(
      /in 1970 .* seconds where milliseconds/,
    );
    const garbage = decide(
      policy,
      started.state,
      now,
      settled({ ok: true, credentials: { accessKeyId: 5 } as never }),
    );
    expect((garbage.events[0] as { error: Error }).error.message).toMatch(
      /not credentials: accessKeyId is not a non-empty string; secretAccessKey is not a non-empty string/,
    );
  });

  it("treats credentials that arrive inside the mandatory window as a failed refresh, whatever the refresh", () => {
    const now = T0 + 50 * MINUTE;
    const started = decide(policy, holding(T0 + HOUR), now, { type: "timer" });
    const early = decide(
      policy,
      started.state,
      now,
      settled({ ok: true, credentials: { ...credentials(now + 200), accessKeyId: "AKID-2" } }),
    );
    expect(early.state.held?.credentials.accessKeyId).toBe("AKID-1");
    expect(early.state.backoffUntil).toBe(now + 10_000);
    expect(early.events[0]).toMatchObject({
      type: "refresh-failure",
      reason: "advisory",
      serving: "current",
    });
    expect((early.events[0] as { error: Error }).error.message).toMatch(
      /expire in 200 ms .*inside the mandatory window of 60000 ms.*clock.*old credentials/,
    );
    // Just outside the window: taken.
    const taken = decide(
      policy,
      started.state,
      now,
      settled({ ok: true, credentials: { ...credentials(now + MINUTE + 1), accessKeyId: "AKID-2" } }),
    );
    expect(taken.state.held?.credentials.accessKeyId).toBe("AKID-2");
  });

  it("rate-limits an invalidation of a key that an invalidation fetched: a failed refresh with a backoff", () => {
    const now = T0 + MINUTE;
    const rejected = decide(policy, holding(T0 + HOUR), now, { type: "invalidate", accessKeyId: "AKID-1" });
    expect(rejected.state).toMatchObject({ failures: 0 });
    expect(statusOf(rejected.state, now).invalidated).toBe(true);
    const started = decide(policy, rejected.state, now, { type: "call", force: false });
    expect(started.action).toMatchObject({ type: "refresh", reason: "invalidated" });
    const fresh = { ...credentials(now + HOUR), accessKeyId: "AKID-2" };
    const replaced = decide(policy, started.state, now, settled({ ok: true, credentials: fresh }));
    expect(replaced.state.held?.reason).toBe("invalidated");
    const input = { type: "invalidate", accessKeyId: "AKID-2" } as const;
    expect(mayBackOff(policy, replaced.state, now, input)).toBe(true);
    const again = decide(policy, replaced.state, now, { ...input, backoffMs: 10_000 });
    expect(again.events.map((e) => e.type)).toEqual(["invalidated", "refresh-failure"]);
    expect(again.events[1]).toMatchObject({ reason: "invalidated", nextAttemptAt: new Date(now + 10_000) });
    expect(again.state).toMatchObject({ failures: 1, backoffUntil: now + 10_000 });
    expect(statusOf(again.state, now).invalidated).toBe(true);
    // Within the backoff, callers are served and the source is left alone; after it, one refresh.
    expect(decide(policy, again.state, now + 9_999, { type: "call", force: false }).action).toEqual({
      type: "serve",
      rateLimited: true,
    });
    expect(decide(policy, again.state, now + 10_000, { type: "call", force: false }).action).toMatchObject({
      type: "refresh",
      reason: "invalidated",
    });
  });

  it("asks the edge for a backoff only where a failure that backs off may result", () => {
    const now = T0 + 59.5 * MINUTE;
    const started = decide(policy, holding(T0 + HOUR), now, { type: "call", force: false }).state;
    const at = (outcome: Outcome, state = started) =>
      mayBackOff(policy, state, now, { type: "settled", outcome, draw: 0 });
    const fresh = { ...credentials(now + HOUR), accessKeyId: "AKID-2" };
    expect(at({ ok: true, credentials: fresh })).toBe(false); // a success never calls the user's hook
    expect(at({ ok: true, credentials: credentials(now) })).toBe(true); // stale credentials: a failure
    expect(at({ ok: false, error: Object.assign(new Error("slow down"), { name: "Throttling" }) })).toBe(
      true,
    );
    // Raised at once and cached, or nothing held: no backoff.
    expect(at({ ok: false, error: Object.assign(new Error("no"), { name: "AccessDenied" }) })).toBe(false);
    expect(at({ ok: false, error: new Error("down") }, { ...emptyState, inFlight: "initial" })).toBe(false);
    // An invalidation backs off only when the key fetched to replace a rejected one is rejected too.
    expect(mayBackOff(policy, holding(T0 + HOUR), now, { type: "invalidate", accessKeyId: "AKID-1" })).toBe(
      false,
    );
  });

  it("takes a call that replaces the held key for the mandatory path, and any other key for a cache hit", () => {
    const now = T0 + MINUTE;
    const state = holding(T0 + HOUR);
    expect(decide(policy, state, now, { type: "call", force: false, replacing: "AKID-9" }).action).toEqual({
      type: "serve",
      rateLimited: false,
    });
    expect(decide(policy, state, now, { type: "call", force: false, replacing: "AKID-1" }).action).toEqual({
      type: "refresh",
      reason: "mandatory",
      background: false,
    });
  });
});
