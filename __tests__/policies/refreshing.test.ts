import { InvalidOptionsError, refreshing } from "../../src";
import { manualClock } from "../../src/testing";
import { credentialsAt, scriptedProvider } from "../support/scripted";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2026, 0, 1);

describe("refreshing: the refresh policy's options", () => {
  // One-hour credentials: the advisory window runs from 45 to 59 minutes. With random() = 0.5 the
  // moment is a quarter into it by default (jitter 0.5: at 48.5 min), at its start with jitter 0.
  it.each([
    [undefined, 48.5 * MINUTE],
    [0, 45 * MINUTE],
    [1, 52 * MINUTE],
  ])("takes jitter %s to the refresh moment (due %d ms after the fetch)", async (jitter, dueMs) => {
    const clock = manualClock(T0);
    const source = scriptedProvider([
      () => credentialsAt(clock, HOUR, 1),
      () => credentialsAt(clock, HOUR, 2),
    ]);
    const provider = refreshing(source.provider, {
      clock,
      random: () => 0.5,
      ...(jitter === undefined ? {} : { jitter }),
    });
    try {
      await provider();
      await clock.advance(dueMs - 1);
      expect(source.calls).toBe(1);
      await clock.advance(1);
      expect(source.calls).toBe(2);
    } finally {
      provider.dispose();
    }
  });

  it("rejects a jitter outside 0 to 1 when built, naming it", () => {
    const build = () => refreshing(() => Promise.reject(new Error("never called")), { jitter: 1.5 });
    expect(build).toThrow(InvalidOptionsError);
    expect(build).toThrow(/jitter: a number from 0 to 1/);
  });
});
