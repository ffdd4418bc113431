import { systemClock } from "../../src";

describe("systemClock", () => {
  it("tells the time like Date.now()", () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });

  it("resolves a sleep of 0 ms on the next turn", async () => {
    await expect(systemClock.sleep(0)).resolves.toBeUndefined();
  });

  it("rejects a sleep with the signal's reason when it aborts", async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort(new Error("shutting down"));
    await expect(sleeping).rejects.toThrow("shutting down");
  });

  it("rejects at once when the signal has already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(systemClock.sleep(60_000, controller.signal)).rejects.toMatchObject({ name: "AbortError" });
  });

  it("waits longer than a timer can in steps a timer can make, without a TimeoutOverflowWarning", async () => {
    jest.useFakeTimers();
    const setTimeoutSpy = jest.spyOn(global, "setTimeout");
    try {
      let woke = false;
      const sleeping = systemClock.sleep(2 ** 32 + 5, undefined, { background: true }).then(() => {
        woke = true;
      });
      await jest.advanceTimersByTimeAsync(2 ** 32);
      expect(woke).toBe(false);
      await jest.advanceTimersByTimeAsync(5);
      await sleeping;
      expect(woke).toBe(true);
      const delays = setTimeoutSpy.mock.calls.map(([, ms]) => ms ?? 0);
      expect(delays).toEqual([2 ** 31 - 1, 2 ** 31 - 1, 7]);
    } finally {
      setTimeoutSpy.mockRestore();
      jest.useRealTimers();
    }
  });
});
