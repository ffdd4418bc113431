import * as O from "fp-ts/Option";
import { applyPolicy, defaultRetryStatus, type RetryPolicy, type RetryStatus } from "retry-ts";
import { backoffPolicy, defaultRetryPolicy, exponentialBackoff, fullJitter } from "../src";

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

  it("the default retries 3 times with jittered delays under 100, 200 and 400 ms", () => {
    const delays = delaysOf(defaultRetryPolicy);
    expect(delays).toHaveLength(3);
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(100 * 2 ** i);
    });
  });
});
