import { refreshAhead, type Credentials } from "../../src";
import { manualClock } from "../../src/testing";
import { settle } from "../support/scripted";
import {
  cachedKey,
  comparable,
  givenAt,
  nextResponse,
  resultOf,
  scriptedSource,
  type Observed,
} from "./harness";
import { expectedOf, scenarios, type Scenario } from "./scenarios";

/**
 * The 24 scenarios of the AWS SDKs' shared "Credential Refresh Behavior", run against the public API
 * (`refreshAhead`, as every refreshing provider of this library is built on it) with a manual clock.
 */
const run = async (
  scenario: Scenario,
  serveExpired: boolean,
): Promise<Array<{ observed: Observed; expected: Observed }>> => {
  // A real-looking date: expirations before 2000 are taken for a unit mistake.
  const clock = manualClock(Date.UTC(2026, 0, 1));
  const source = scriptedSource(() => clock.now());
  const provider = refreshAhead({
    clock,
    random: () => 0,
    serveExpired,
    ...(scenario.configuredAdvisoryWindowSeconds === undefined
      ? {}
      : { advisoryWindowMs: scenario.configuredAdvisoryWindowSeconds * 1000 }),
    ...(scenario.backoffSeconds === undefined ? {} : { backoff: () => scenario.backoffSeconds! * 1000 }),
  })(() => Promise.resolve().then(() => source.call()));
  const background = scenario.deviations?.includes("background") === true;

  if (scenario.given !== "none") {
    source.prime(cachedKey(scenario));
    await provider();
    // In the mandatory window and past expiry the specification's cache is reached with no background
    // refresh: stop ours, so the clock can get there (calls still refresh on demand).
    if (scenario.given === "mandatory" || scenario.given === "expired") provider.dispose();
    const first = nextResponse(scenario.steps, 0);
    source.answer(background ? first?.response : undefined, first?.lifetimeSeconds);
  }
  let callsBefore = scenario.given === "none" ? 0 : 1;
  await clock.advance(givenAt[scenario.given]);

  const checks: Array<{ observed: Observed; expected: Observed }> = [];
  for (const [index, step] of scenario.steps.entries()) {
    switch (step.type) {
      case "advance": {
        const next = nextResponse(scenario.steps, index);
        if (background) source.answer(next?.response, next?.lifetimeSeconds);
        await clock.advance(step.seconds * 1000);
        break;
      }
      case "invalidate":
        provider.invalidate(step.accessKeyId);
        break;
      case "get": {
        if (!background || scenario.given === "none" || index > 0) {
          // Background refreshes already used the answer they were given; a call may ask again.
          if (!(background && source.calls > callsBefore)) source.answer(step.response, step.lifetimeSeconds);
        }
        const outcome: PromiseSettledResult<Credentials> = await provider().then(
          (value) => ({ status: "fulfilled" as const, value }),
          (reason: unknown) => ({ status: "rejected" as const, reason }),
        );
        await settle();
        const contacted = source.calls > callsBefore;
        callsBefore = source.calls;
        const status = provider.status();
        const expected = expectedOf(step, serveExpired, scenario);
        const observed: Observed = {
          result: resultOf(outcome, scenario),
          sourceContacted: contacted,
          rateLimited: !contacted && status.backoffUntil !== undefined,
          ...(status.advisoryWindowMs === undefined
            ? {}
            : { advisoryWindowSeconds: status.advisoryWindowMs / 1000 }),
        };
        checks.push({ observed: comparable(observed, expected), expected });
        source.answer(undefined);
        break;
      }
    }
  }
  provider.dispose();
  return checks;
};

describe("the AWS SDKs' Credential Refresh Behavior scenarios, through the public API", () => {
  it.each(scenarios.map((s) => [s.id, s.title, s] as const))(
    "scenario %i: %s",
    async (_id, _title, scenario) => {
      const checks = await run(scenario, false);
      expect(checks.map((c) => c.observed)).toEqual(checks.map((c) => c.expected));
      expect(checks.length).toBe(scenario.steps.filter((s) => s.type === "get").length);
    },
  );

  const expiredCache = scenarios.filter((s) => s.deviations?.includes("expired-error"));
  it.each(expiredCache.map((s) => [s.id, s.title, s] as const))(
    "scenario %i passes as specified with serveExpired: %s",
    async (_id, _title, scenario) => {
      const checks = await run(scenario, true);
      const specified = scenario.steps.flatMap((s) => (s.type === "get" ? [s.expected] : []));
      expect(checks.map((c) => c.observed)).toEqual(
        specified.map((e) => ({
          result: e.result,
          sourceContacted: e.sourceContacted,
          rateLimited: e.rateLimited,
        })),
      );
    },
  );

  it("covers all 24 scenarios, each deviation named", () => {
    expect(scenarios.map((s) => s.id)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    const deviating = scenarios.filter((s) =>
      s.steps.some((step) => step.type === "get" && step.ours !== undefined),
    );
    expect(deviating.every((s) => (s.deviations?.length ?? 0) > 0)).toBe(true);
  });
});
