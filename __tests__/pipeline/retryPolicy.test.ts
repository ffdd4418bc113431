import fc from "fast-check";
import * as O from "fp-ts/Option";
import * as RT from "retry-ts";
import { applyPolicy, defaultRetryStatus, type RetryPolicy, type RetryStatus } from "retry-ts";
import { backoffPolicy, defaultRetryPolicy, fullJitter, InvalidOptionsError } from "../../src";
import {
  capDelay,
  constantDelay,
  exponentialBackoff,
  limitRetries,
  limitRetriesByDelay,
} from "../../src/pipeline/retryPolicy";

/** The delays a policy gives, retry after retry, until it stops (or `max` of them). */
const delaysOf = (policy: RetryPolicy, max = 20): number[] => {
  const delays: number[] = [];
  let status: RetryStatus = defaultRetryStatus;
  for (let i = 0; i < max; i++) {
    status = applyPolicy(policy, status);
    if (O.isNone(status.previousDelay)) break;
    delays.push(status.previousDelay.value);
  }
  return delays;
};

describe("retry policies", () => {
  it("fullJitter draws each delay between 0 and the policy's delay", () => {
    const draws = [0, 0.5, 0.999];
    let i = 0;
    const policy = fullJitter(() => draws[i++] ?? 0)(exponentialBackoff(100));
    expect(delaysOf(policy, 3)).toEqual([0, 100, 399]);
  });

  it("backoffPolicy doubles from the base, caps, and stops after the retries", () => {
    const policy = backoffPolicy({ retries: 6, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999999 });
    expect(delaysOf(policy)).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it("backoffPolicy answers as retry-ts's pieces composed, for any options, status and random draw", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 1, max: 60_000, noNaN: true }),
        fc.double({ min: 0, max: 120_000, noNaN: true }),
        fc.integer({ min: 0, max: 120 }),
        fc.oneof(fc.double({ min: 0, max: 1, maxExcluded: true }), fc.constantFrom(Number.NaN, -1, 2)),
        (retries, baseDelayMs, extraMs, iterNumber, draw) => {
          const maxDelayMs = baseDelayMs + extraMs;
          const random = () => draw;
          const composed = RT.Monoid.concat(
            fullJitter(random)(RT.capDelay(maxDelayMs, RT.exponentialBackoff(baseDelayMs))),
            RT.limitRetries(retries),
          );
          const status: RetryStatus = { iterNumber, cumulativeDelay: 0, previousDelay: O.none };
          expect(backoffPolicy({ retries, baseDelayMs, maxDelayMs, random })(status)).toEqual(
            composed(status),
          );
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it("the default retries 3 times with jittered delays under 100, 200 and 400 ms", () => {
    const delays = delaysOf(defaultRetryPolicy);
    expect(delays).toHaveLength(3);
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(100 * 2 ** i);
    });
  });

  describe("backoffPolicy checks its options like every other option", () => {
    const rulesOf = (options: unknown): string[] => {
      try {
        backoffPolicy(options as never);
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidOptionsError);
        return (error as InvalidOptionsError).issues.map((issue) => `${issue.path}: ${issue.rule}`);
      }
      throw new Error("did not throw");
    };

    it.each([
      [{ retries: NaN }, ["retries: an integer from 0 to 100 (got NaN)"]],
      [{ retries: -1 }, ["retries: an integer from 0 to 100 (got -1)"]],
      [{ retries: 1e9 }, ["retries: an integer from 0 to 100 (got 1000000000)"]],
      [{ retries: 2.5 }, ["retries: an integer from 0 to 100 (got 2.5)"]],
      [
        { retries: 3, maxDelayMs: -5 },
        ["maxDelayMs: a number of milliseconds above 0; a finite number of milliseconds, 0 or more (got -5)"],
      ],
      [{ baseDelayMs: 0 }, ["baseDelayMs: a number of milliseconds above 0 (got 0)"]],
      [
        { maxDelayMs: 2 ** 31 },
        [
          "maxDelayMs: a number of milliseconds above 0; at most 2147483647 ms, the longest a timer can wait (about 24.8 days) (got 2147483648)",
        ],
      ],
      [
        { baseDelayMs: 1_000, maxDelayMs: 500 },
        ["maxDelayMs: not below baseDelayMs (1000): it caps the delays that start there (got 500)"],
      ],
      [{ random: 0.5 }, ["random: a function () => number in [0, 1) (got 0.5)"]],
      [{ retires: 3 }, ["retires: is not a known option; did you mean retries?"]],
      ["3", [': an options object (got "3")']],
    ])("rejects %j", (options, rules) => {
      expect(rulesOf(options)).toEqual(rules);
    });

    it("gives no delay outside [0, maxDelayMs], whatever the random source returns", () => {
      for (const value of [NaN, -1, 2, Infinity]) {
        const delays = delaysOf(backoffPolicy({ retries: 5, maxDelayMs: 1_000, random: () => value }));
        expect(delays).toHaveLength(5);
        for (const delay of delays) {
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(1_000);
        }
      }
    });
  });

  it("the retry-ts pieces we export check their inputs too", () => {
    const policy = exponentialBackoff(100);
    for (const build of [
      () => limitRetries(NaN),
      () => limitRetries(-1),
      () => capDelay(-5, policy),
      () => capDelay(5_000, "policy" as never),
      () => exponentialBackoff(Infinity),
      () => constantDelay(2 ** 31),
      () => limitRetriesByDelay(NaN, policy),
    ]) {
      expect(build).toThrow(InvalidOptionsError);
    }
    expect(delaysOf(capDelay(250, policy), 4)).toEqual([100, 200, 250, 250]);
    expect(delaysOf(limitRetries(2))).toEqual([0, 0]);
  });
});
